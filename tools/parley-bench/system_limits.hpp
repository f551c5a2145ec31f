#pragma once

#include <cstdint>

namespace bench {

// Raises the soft open-files limit to the hard one and returns the new soft limit.
std::uint64_t raise_open_file_limit();

// How many local ports connect() may pick from (net.ipv4.ip_local_port_range).
std::uint32_t ephemeral_port_count();

}  // namespace bench
