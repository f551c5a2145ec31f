#include "process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace bench {
namespace {

std::optional<double> read_cpu_seconds(const std::string& stat_path) {
    std::ifstream file(stat_path);
    std::string line;
    if (!std::getline(file, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: fields are counted from the
    // last ')'. utime and stime are fields 14 and 15, i.e. the 12th and 13th after it.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 1));
    std::string skip;
    for (int i = 0; i < 11; ++i) fields >> skip;
    unsigned long long utime = 0, stime = 0;
    if (!(fields >> utime >> stime)) return std::nullopt;
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<std::uint64_t> read_rss_kb(const std::string& status_path) {
    std::ifstream file(status_path);
    std::string line;
    while (std::getline(file, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
    }
    return std::nullopt;
}

}  // namespace

std::optional<ProcessSample> sample_process(int pid) {
    const std::string base = "/proc/" + std::to_string(pid);
    const auto cpu = read_cpu_seconds(base + "/stat");
    const auto rss = read_rss_kb(base + "/status");
    if (!cpu || !rss) return std::nullopt;
    return ProcessSample{*cpu, *rss};
}

ProcessSample sample_self() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    ProcessSample sample;
    sample.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    sample.rss_kb = read_rss_kb("/proc/self/status").value_or(0);
    return sample;
}

}  // namespace bench
