// HTML text escaping shared by the report pages (html_report, sweep_report).
#pragma once

#include <string>

namespace preemptsim {

// `s` with &, <, > and " replaced by their character references.
inline std::string html_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

}  // namespace preemptsim
