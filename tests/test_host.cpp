// `preemptsim host` on fake /proc and /sys trees: each source of the model,
// what it says when files are missing, and the system: block it emits.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "host/host.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

namespace fs = std::filesystem;

class FakeHost : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("preemptsim-host-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void file(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  void config_gz(const std::string& text) {
    fs::create_directories(root_ / "proc");
    gzFile f = gzopen((root_ / "proc/config.gz").c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
  }
  void basics(const std::string& version) {
    file("proc/sys/kernel/osrelease", "6.12.0-test\n");
    file("proc/sys/kernel/version", version + "\n");
    file("proc/sys/kernel/sched_rt_runtime_us", "950000\n");
    file("proc/sys/kernel/sched_rt_period_us", "1000000\n");
    file("sys/devices/system/cpu/online", "0-3\n");
  }
  fs::path root_;
};

TEST_F(FakeHost, PreemptRtFromTheConfig) {
  basics("#1 SMP PREEMPT_RT Debian 6.12.0-1");
  config_gz("CONFIG_PREEMPT_RT=y\nCONFIG_HZ=1000\n");
  file("proc/cmdline", "root=/dev/sda1 isolcpus=2-3 nohz_full=2-3\n");
  const HostInfo h = probe_host(root_.string());
  ASSERT_TRUE(h.model);
  EXPECT_EQ(h.model->value, "rt");
  EXPECT_EQ(h.hz->value, "1000");
  EXPECT_EQ(h.cpus->value, "4");
  EXPECT_EQ(h.isolcpus, "2-3");
  EXPECT_EQ(h.nohz_full, "2-3");
  EXPECT_NE(host_report(h).find("threadirqs        forced (PREEMPT_RT)"), std::string::npos) << host_report(h);
}

TEST_F(FakeHost, DebugfsTellsThePreemptDynamicMode) {
  basics("#1 SMP PREEMPT_DYNAMIC");
  config_gz("CONFIG_PREEMPT_DYNAMIC=y\nCONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_HZ=250\n");
  file("proc/cmdline", "quiet preempt=none\n");
  file("sys/kernel/debug/sched/preempt", "none voluntary (full) lazy\n");
  const HostInfo h = probe_host(root_.string());
  EXPECT_EQ(h.model->value, "full") << "the current mode beats the boot parameter and the Kconfig default";
  EXPECT_EQ(h.model->source, "/sys/kernel/debug/sched/preempt");
}

TEST_F(FakeHost, BootParameterThenKconfigDefault) {
  basics("#1 SMP PREEMPT_DYNAMIC");
  file("boot/config-6.12.0-test", "CONFIG_PREEMPT_DYNAMIC=y\nCONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_HZ=300\n");
  file("proc/cmdline", "quiet preempt=lazy threadirqs -- init-arg preempt=none\n");
  HostInfo h = probe_host(root_.string());
  EXPECT_EQ(h.model->value, "lazy");
  EXPECT_TRUE(h.threadirqs);
  EXPECT_EQ(h.hz->value, "300") << "from /boot/config-RELEASE when /proc/config.gz is missing";
  file("proc/cmdline", "quiet\n");
  h = probe_host(root_.string());
  EXPECT_EQ(h.model->value, "voluntary");
  EXPECT_NE(h.model->source.find("PREEMPT_DYNAMIC default"), std::string::npos) << h.model->source;
}

TEST_F(FakeHost, MissingFilesAreSaidPlainly) {
  const HostInfo h = probe_host(root_.string());
  EXPECT_FALSE(h.model);
  const std::string report = host_report(h);
  EXPECT_NE(report.find("preemption model  unknown     (not found)"), std::string::npos) << report;
  EXPECT_NE(report.find("could not read    /proc/config.gz"), std::string::npos) << report;
  EXPECT_NE(report.find("could not read    /proc/cmdline: No such file or directory"), std::string::npos) << report;
  EXPECT_EQ(host_system_yaml(h), "system: {}\n");
}

TEST_F(FakeHost, TheSystemBlockIsAValidWorkload) {
  basics("#1 SMP PREEMPT_DYNAMIC");
  config_gz("CONFIG_PREEMPT_DYNAMIC=y\nCONFIG_PREEMPT_NONE=y\nCONFIG_HZ=250\n");
  file("proc/cmdline", "threadirqs\n");
  const std::string yaml = host_system_yaml(probe_host(root_.string()));
  EXPECT_EQ(yaml, "system: {cpus: 4, hz: 250, models: [none], threadirqs: true}\n") << "no RT_GROUP_SCHED: the fair server, not rt_runtime";
  const Scenario sc = parse_workload(yaml + "tasks:\n  t: {program: [{run: 1ms}]}\n", "host.yaml");
  EXPECT_EQ(sc.system.cpus, 4);
  EXPECT_TRUE(sc.system.threadirqs);
  EXPECT_EQ(sc.system.rt_runtime, Time::ns(950'000'000));
}

TEST_F(FakeHost, RtGroupSchedMeansClassicThrottling) {
  basics("#1 SMP PREEMPT_DYNAMIC");
  config_gz("CONFIG_PREEMPT_DYNAMIC=y\nCONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_HZ=250\nCONFIG_RT_GROUP_SCHED=y\n");
  file("proc/cmdline", "preempt=bogus\n");
  const HostInfo h = probe_host(root_.string());
  EXPECT_EQ(h.model->value, "voluntary") << "an unknown preempt= value is ignored, as the kernel does";
  const std::string yaml = host_system_yaml(h);
  EXPECT_EQ(yaml, "system: {cpus: 4, hz: 250, models: [voluntary], rt_bandwidth: throttle, rt_runtime: 950000us, rt_period: 1000000us}\n");
  EXPECT_EQ(parse_workload(yaml + "tasks:\n  t: {program: [{run: 1ms}]}\n", "h.yaml").system.rt_bandwidth, SystemSpec::RtBandwidth::Throttle);
}

TEST(HostCli, RunsOnThisMachine) {
  const int status = std::system((std::string(PREEMPTSIM_BINARY) + " host > /dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace preemptsim::testing
