#pragma once

#include <cstdint>
#include <optional>

namespace bench {

struct ProcessSample {
    double cpu_seconds = 0;  // user + system, all threads
    std::uint64_t rss_kb = 0;
};

// The server's figures, read from /proc/PID/stat (utime + stime) and /proc/PID/status (VmRSS).
// Empty when the process is gone or unreadable.
std::optional<ProcessSample> sample_process(int pid);

// This tool's own figures, so the report can show it costs less than the server it measures.
ProcessSample sample_self();

}  // namespace bench
