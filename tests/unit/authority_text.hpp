#pragma once
// A channel's whole authority as one line, in a fixed order: tests compare two with EXPECT_EQ and
// read the difference when they differ.
#include <sstream>
#include <string>

#include "model/authority.hpp"

namespace parley::model {

inline std::string describe(const ChannelAuthority& a) {
    std::ostringstream out;
    out << "registered=" << a.registered << " owner=" << a.owner << " private=" << a.is_private
        << " topic=" << a.topic << " roles=";
    for (const auto& [key, role] : a.roles) out << key << ":" << static_cast<int>(role) << ",";
    out << " invited=";
    for (const auto& key : a.invited) out << key << ",";
    out << " bans=";
    for (const auto& [key, reason] : a.bans) out << key << ":" << reason << ",";
    out << " muted=";
    for (const auto& key : a.muted) out << key << ",";
    return out.str();
}

}  // namespace parley::model
