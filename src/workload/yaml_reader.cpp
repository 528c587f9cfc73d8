// Typed, located reading of yaml-cpp nodes: maps without duplicate or unknown keys, exact integers, durations.
#include "workload/yaml_reader.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "workload/duration.h"
#include "workload/limits.h"

namespace preemptsim::workload_detail {
namespace {

// yaml-cpp gives plain scalars the tag "?" and quoted ones "!"; an explicit
// tag (!!int, !!str) is kept as written.
bool is_quoted(const YAML::Node& n) { return n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str"; }

// YAML 1.2 core-schema decimal integer: [-+]?[0-9]+ (no 0x, no 1e3, no 1.5).
enum class Decimal { Ok, Invalid, Overflow };
Decimal parse_decimal(const std::string& s, bool& negative, std::uint64_t& magnitude) {
  std::size_t i = 0;
  negative = false;
  magnitude = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  if (i == s.size()) return Decimal::Invalid;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return Decimal::Invalid;
    const auto d = static_cast<std::uint64_t>(s[i] - '0');
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - d) / 10) overflow = true;
    magnitude = magnitude * 10 + d;
  }
  return overflow ? Decimal::Overflow : Decimal::Ok;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Records how one document starts, to tell a real next document from the
// parser being stuck on a token it cannot consume; and counts the nodes the
// document holds once every alias is expanded, stopping at
// InputLimits::kMaxExpandedNodes (a "billion laughs" of nested aliases is a
// few hundred bytes of text and billions of nodes to read).
class DocumentStart : public YAML::EventHandler {
 public:
  explicit DocumentStart(const Reader* r = nullptr) : r_(r) {}
  YAML::Mark mark;         // where the document starts
  bool null_root = false;  // its root is an empty (null) node
  void OnDocumentStart(const YAML::Mark& m) override { mark = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override {
    null_root = null_root || depth_ == 0;
    leaf(m, a);
  }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    const auto it = anchor_nodes_.find(a);
    add(m, it == anchor_nodes_.end() ? 1 : it->second);
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string&) override { leaf(m, a); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnMapEnd() override { close(); }

 private:
  void add(const YAML::Mark& m, std::uint64_t n) {
    nodes_ += n;  // each term is at most the limit, so the sum cannot wrap
    if (nodes_ > InputLimits::kMaxExpandedNodes && r_ != nullptr)
      throw_workload_error(r_->loc(m), fmt::format("YAML aliases expand to more than {} nodes (the limit): "
                                                   "nested aliases multiply what they repeat",
                                                   InputLimits::kMaxExpandedNodes));
  }
  void leaf(const YAML::Mark& m, YAML::anchor_t a) {
    add(m, 1);
    if (a != YAML::NullAnchor) anchor_nodes_[a] = 1;
  }
  void open(const YAML::Mark& m, YAML::anchor_t a) {
    ++depth_;
    add(m, 1);
    open_.emplace_back(a, nodes_ - 1);
  }
  void close() {
    --depth_;
    const auto [a, start] = open_.back();
    open_.pop_back();
    if (a != YAML::NullAnchor) anchor_nodes_[a] = nodes_ - start;
  }

  const Reader* r_;
  int depth_ = 0;
  std::uint64_t nodes_ = 0;
  std::unordered_map<YAML::anchor_t, std::uint64_t> anchor_nodes_;
  std::vector<std::pair<YAML::anchor_t, std::uint64_t>> open_;  // per open collection: its anchor, nodes before it
};

}  // namespace

YAML::Node load_one_document(const std::string& text, const std::string& file) {
  const Reader r(file);
  try {
    // 1. Count the documents, at most three parser calls. Not YAML::LoadAll:
    //    in yaml-cpp 0.7 it loops for ever, allocating, when a document
    //    starts with a token the parser does not consume (a leading ',' for
    //    one): every call then "finds" another empty document at the same
    //    place (fixed upstream in jbeder/yaml-cpp#1319).
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStart docs[3] = {DocumentStart(&r), DocumentStart(&r), DocumentStart(&r)};
    int n = 0;
    while (n < 3 && parser.HandleNextDocument(docs[n])) {
      if (n > 0 && docs[n - 1].null_root && docs[n].null_root && docs[n].mark.pos == docs[n - 1].mark.pos) {
        const auto pos = static_cast<std::size_t>(docs[n].mark.pos);
        throw_workload_error(r.loc(docs[n].mark),
                             pos < text.size() ? fmt::format("YAML syntax error: unexpected '{}'", text[pos])
                                               : std::string("YAML syntax error"));
      }
      ++n;
    }
    if (n >= 2)
      throw_workload_error(r.loc(docs[1].mark),
                           "more than one YAML document ('---'): a workload file holds exactly one");
    // 2. Build the nodes of the one document.
    return n == 0 ? YAML::Node() : YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {  // its message in yaml-cpp 0.7 is "bad file"
    throw_workload_error(r.loc(e.mark), fmt::format("YAML nested too deeply ({} levels)", e.depth()));
  } catch (const YAML::Exception& e) {
    throw_workload_error(r.loc(e.mark), "YAML syntax error: " + e.msg);
  }
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", n.Scalar());
    default: return "nothing";
  }
}

std::string join(Names names) {
  std::string s;
  for (auto n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

std::string did_you_mean(std::string_view word, Names candidates) {
  std::string_view best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (auto c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  const std::size_t limit = word.size() <= 4 ? 1 : 2;
  if (best.empty() || best == word || best_d > limit) return "";  // distance 0: differs only in case
  return fmt::format(" (did you mean '{}'?)", best);
}

SourceLoc Reader::loc(const YAML::Mark& m) const {
  return m.is_null() ? SourceLoc{file_} : SourceLoc{file_, m.line + 1, m.column + 1};
}

SourceLoc Reader::loc(const YAML::Node& n) const { return loc(n.Mark()); }

SourceLoc Reader::loc(const Field& f) const {
  return loc(f.value.IsDefined() && !f.value.IsNull() ? f.value : f.key_node);
}

void Reader::fail(const SourceLoc& at, const std::string& path, const std::string& message) const {
  throw_workload_error(at, path.empty() ? message : path + ": " + message);
}

std::string Reader::for_key(const Field& f) { return f.key.empty() ? "" : fmt::format(" for '{}'", f.key); }

std::vector<Field> Reader::map(const Field& f, const std::string& what, Names accepted, const char* noun) const {
  if (!f.value.IsMap()) fail(f, fmt::format("expected a map{}, got {}", for_key(f), describe(f.value)));
  // yaml-cpp keeps every entry of a map, repeated keys included, in file order.
  std::vector<Field> out;
  std::unordered_map<std::string, std::size_t> seen;  // key -> index in out
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    const YAML::Node k = it->first;
    if (!k.IsScalar())
      fail(loc(k), f.path, fmt::format("expected a plain name as a {} in {}, got {}", noun, what, describe(k)));
    const std::string key = k.Scalar();
    if (const auto prev = seen.find(key); prev != seen.end()) {
      const SourceLoc first = loc(out[prev->second].key_node);
      fail(loc(k), f.path,
           fmt::format("duplicate {} '{}' in {} (first at line {}, column {})", noun, key, what, first.line, first.col));
    }
    seen.emplace(key, out.size());
    if (accepted.size() != 0 && std::find(accepted.begin(), accepted.end(), key) == accepted.end())
      fail(loc(k), f.path,
           fmt::format("unknown key '{}' in {}{} (accepted keys: {})", key, what, did_you_mean(key, accepted),
                       join(accepted)));
    out.push_back(Field{key, k, it->second, f.path.empty() ? key : f.path + "." + key});
  }
  return out;
}

std::vector<Field> Reader::list(const Field& f) const {
  if (!f.value.IsSequence()) {
    std::string hint;
    if (f.value.IsScalar()) hint = fmt::format(" (write [{}])", f.value.Scalar());
    fail(f, fmt::format("expected a list{}, got {}{}", for_key(f), describe(f.value), hint));
  }
  std::vector<Field> out;
  std::size_t i = 0;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i)
    out.push_back(Field{"", *it, *it, fmt::format("{}[{}]", f.path, i)});
  return out;
}

std::int64_t Reader::integer(const Field& f, std::int64_t lo, std::int64_t hi) const {
  bool negative = false;
  std::uint64_t mag = 0;
  const Decimal d = f.value.IsScalar() && !is_quoted(f.value) ? parse_decimal(f.value.Scalar(), negative, mag)
                                                              : Decimal::Invalid;
  if (d == Decimal::Invalid) fail(f, fmt::format("expected an integer{}, got {}", for_key(f), describe(f.value)));
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const bool fits = d == Decimal::Ok && mag <= kMax + (negative ? 1 : 0);
  const std::int64_t v = negative ? static_cast<std::int64_t>(0 - mag) : static_cast<std::int64_t>(mag);
  if (!fits || v < lo || v > hi)
    fail(f, fmt::format("{} {} is out of range: expected {}..{}", f.key.empty() ? "value" : f.key, f.value.Scalar(), lo,
                        hi));
  return v;
}

std::uint64_t Reader::unsigned_integer(const Field& f) const {
  bool negative = false;
  std::uint64_t mag = 0;
  const Decimal d = f.value.IsScalar() && !is_quoted(f.value) ? parse_decimal(f.value.Scalar(), negative, mag)
                                                              : Decimal::Invalid;
  if (d == Decimal::Invalid || (negative && mag != 0))
    fail(f, fmt::format("expected a non-negative integer{}, got {}", for_key(f), describe(f.value)));
  if (d == Decimal::Overflow)
    fail(f, fmt::format("{} {} is out of range: expected 0..{}", f.key.empty() ? "value" : f.key, f.value.Scalar(),
                        std::numeric_limits<std::uint64_t>::max()));
  return mag;
}

bool Reader::boolean(const Field& f) const {
  if (f.value.IsScalar() && !is_quoted(f.value)) {
    const std::string& s = f.value.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  fail(f, fmt::format("expected true or false{}, got {}", for_key(f), describe(f.value)));
}

std::string Reader::string(const Field& f) const {
  if (!f.value.IsScalar() || f.value.Scalar().empty())
    fail(f, fmt::format("expected a name{}, got {}", for_key(f), describe(f.value)));
  return f.value.Scalar();
}

Time Reader::duration(const Field& f, Time min, const char* min_text) const {
  if (!f.value.IsScalar())
    fail(f, fmt::format("expected a duration such as '1.5ms'{}, got {}", for_key(f), describe(f.value)));
  std::string error;
  const auto t = try_parse_duration(f.value.Scalar(), error);
  if (!t) fail(f, error);
  if (*t < min)
    fail(f, fmt::format("{} must be {}, got {}", f.key.empty() ? "duration" : f.key, min_text, f.value.Scalar()));
  return *t;
}

}  // namespace preemptsim::workload_detail
