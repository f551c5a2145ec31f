#pragma once

#include <string>

namespace parley::config {

// Sends spdlog's default logger to stdout, as text or one JSON object per line.
void setup_logging(const std::string& level, const std::string& format);

}  // namespace parley::config
