#include "system_limits.hpp"

#include <sys/resource.h>

#include <fstream>

namespace bench {

std::uint64_t raise_open_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    return limit.rlim_cur;
}

std::uint32_t ephemeral_port_count() {
    std::ifstream file("/proc/sys/net/ipv4/ip_local_port_range");
    std::uint32_t low = 0, high = 0;
    if (file >> low >> high && high > low) return high - low + 1;
    return 28232;  // Linux's default range 32768..60999
}

}  // namespace bench
