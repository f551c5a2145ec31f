// Feeds arbitrary frames to the protocol decoder. Besides crashes and sanitizer reports, it checks
// that whatever the decoder accepts really obeys the protocol's field rules.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "protocol/command.hpp"

namespace {

using namespace parley::protocol;

void require(bool condition) {
    if (!condition) __builtin_trap();
}

void require_text(std::string_view text, const DecodeLimits& limits) {
    auto characters = count_code_points(text);
    require(characters >= 1 && characters <= limits.max_text_chars);
}

void check(const Command& command, const DecodeLimits& limits) {
    if (const auto* hello = std::get_if<Hello>(&command)) require(is_valid_nick(hello->nick));
    if (const auto* join = std::get_if<Join>(&command)) require(is_valid_channel(join->channel));
    if (const auto* leave = std::get_if<Leave>(&command)) require(is_valid_channel(leave->channel));
    if (const auto* who = std::get_if<Who>(&command)) require(is_valid_channel(who->channel));
    if (const auto* typing = std::get_if<Typing>(&command))
        require(is_valid_channel(typing->channel));
    if (const auto* say = std::get_if<Say>(&command)) {
        require(is_valid_channel(say->channel));
        require_text(say->text, limits);
    }
    if (const auto* dm = std::get_if<Dm>(&command)) {
        require(is_valid_nick(dm->to));
        require_text(dm->text, limits);
    }
    if (const auto* history = std::get_if<HistoryQuery>(&command)) {
        require(is_valid_channel(history->channel));
        require(history->limit >= 1 && history->limit <= limits.max_history_limit);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const DecodeLimits limits{};
    std::string_view frame(reinterpret_cast<const char*>(data), size);
    auto decoded = decode(frame, limits);
    if (decoded.result) check(*decoded.result, limits);
    return 0;
}
