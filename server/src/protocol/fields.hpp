#pragma once
// The field readers the decoders share. Each returns the field's value, or the error the client
// gets back, naming the field.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/command.hpp"

namespace parley::protocol {

using nlohmann::json;

inline constexpr std::size_t min_password_chars = 8;
inline constexpr std::size_t max_password_chars = 128;

Error bad_request(std::string message);
bool is_word_char(char c);

// A string of at most 64 characters or an integer. Anything else is refused instead of silently
// dropped, so a client never waits for a reply that cannot be matched.
Expected<RequestId, Error> read_id(const json& object);
Expected<std::string, Error> read_string(const json& object, const char* field);
// An optional seq, at least `minimum`; nothing when absent or null.
Expected<std::optional<std::int64_t>, Error> read_optional_seq(const json& object,
                                                               const char* field,
                                                               std::int64_t minimum);
Expected<std::string, Error> read_channel(const json& object);
Expected<std::string, Error> read_nick(const json& object, const char* field);
// A message's text: at least one visible character, at most the server's limit.
Expected<std::string, Error> read_text(const json& object, const DecodeLimits& limits);
// An optional string of at most `max_chars` characters; empty when absent or null.
Expected<std::string, Error> read_optional_text(const json& object, const char* field,
                                                std::size_t max_chars);
Expected<bool, Error> read_optional_bool(const json& object, const char* field);
// An optional idempotency key of 1 to 64 characters; empty when absent or null.
Expected<std::string, Error> read_idempotency_key(const json& object, const char* field);
// 8 to 128 characters, else password_invalid.
Expected<std::string, Error> read_password(const json& object, const char* field);
// 1 to the server's maximum, 50 when absent or null.
Expected<int, Error> read_history_limit(const json& object, const DecodeLimits& limits);

// A command with one channel field and nothing else.
template <class T>
Expected<Command, Error> channel_command(const json& object) {
    auto channel = read_channel(object);
    if (!channel) return std::move(channel).error();
    return Command{T{*std::move(channel)}};
}

}  // namespace parley::protocol
