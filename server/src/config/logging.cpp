#include "config/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace parley::config {
namespace {

// The message as a JSON string body: log lines may carry addresses or error texts with quotes.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& message, const std::tm&,
                spdlog::memory_buf_t& out) override {
        for (char c : message.payload) {
            switch (c) {
                case '"':
                    out.append(std::string_view("\\\""));
                    break;
                case '\\':
                    out.append(std::string_view("\\\\"));
                    break;
                case '\n':
                    out.append(std::string_view("\\n"));
                    break;
                case '\r':
                    out.append(std::string_view("\\r"));
                    break;
                case '\t':
                    out.append(std::string_view("\\t"));
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        char escaped[8];
                        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                        out.append(std::string_view(escaped));
                    } else {
                        out.push_back(c);
                    }
            }
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JsonEscapedMessage>();
    }
};

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
    auto logger = spdlog::stdout_logger_mt("parley");
    if (format == "json") {
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
            R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%*"})");
        logger->set_formatter(std::move(formatter));
    } else {
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %-5l %v");
    }
    logger->set_level(spdlog::level::from_str(level));
    // A flush per line would be a write() per connection opened and closed: flush warnings
    // at once, the rest every second.
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace parley::config
