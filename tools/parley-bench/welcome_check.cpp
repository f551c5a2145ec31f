#include <algorithm>
#include <map>

#include "json_scan.hpp"
#include "welcome.hpp"

namespace bench {
namespace {

// A number member, or -1 when it is missing or not a whole number.
std::int64_t whole(std::string_view text) {
    if (text.empty() || text.size() > 18) return -1;
    std::int64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

struct Listed {
    std::string name;
    std::int64_t last_seq = -1, read_seq = -1, unread = -1, mentions = -1;
};

Listed read_entry(std::string_view entry, std::string_view name_key) {
    Listed listed;
    visit_json_fields(entry, [&](std::string_view key, std::string_view value) {
        if (key == name_key) listed.name = value;
        if (key == "last_seq") listed.last_seq = whole(value);
        if (key == "read_seq") listed.read_seq = whole(value);
        if (key == "unread") listed.unread = whole(value);
        if (key == "mentions") listed.mentions = whole(value);
    });
    return listed;
}

std::string figures(const Listed& l) {
    return "last_seq " + std::to_string(l.last_seq) + ", read_seq " + std::to_string(l.read_seq) +
           ", unread " + std::to_string(l.unread) + ", mentions " + std::to_string(l.mentions);
}

std::int64_t capped(std::uint64_t count) {
    return static_cast<std::int64_t>(std::min(count, unread_cap));
}

int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

}  // namespace

std::string token_subject(std::string_view token) {
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos)
        throw UsageError("--token: not a JWT (header.payload.signature)");
    std::string payload;
    std::uint32_t bits = 0;
    int held = 0;
    for (const char c : token.substr(first + 1, second - first - 1)) {
        const int value = base64url_value(c);
        if (value < 0) throw UsageError("--token: the payload is not base64url");
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        held += 6;
        if (held >= 8) {
            held -= 8;
            payload += static_cast<char>((bits >> held) & 0xFF);
        }
    }
    std::string subject;
    visit_json_fields(payload, [&](std::string_view key, std::string_view value) {
        if (key == "sub") subject = value;
    });
    if (subject.empty()) throw UsageError("--token: the payload has no \"sub\" (the nick)");
    return subject;
}

std::string check_welcome(std::string_view welcome, const WelcomeUser& user) {
    std::string_view type, account, channels, conversations;
    bool dms = false;
    if (!visit_json_fields(welcome, [&](std::string_view key, std::string_view value) {
            if (key == "type") type = value;
            if (key == "account") account = value;
            if (key == "channels") channels = value;
            if (key == "conversations") conversations = value;
            if (key == "dms") dms = true;
        }))
        return "not a JSON object";
    if (type != "welcome") return "not a welcome";
    if (account != "true") return "not welcomed as an account";
    if (dms) return "a persistent user's welcome has dms";

    std::vector<Listed> listed;
    if (!visit_json_array(channels,
                          [&](std::string_view e) { listed.push_back(read_entry(e, "channel")); }))
        return "no channels array";
    if (listed.size() != user.channels.size())
        return std::to_string(listed.size()) + " channels listed, " +
               std::to_string(user.channels.size()) + " kept";
    for (std::size_t k = 0; k < listed.size(); ++k) {
        const ChannelExpect& want = user.channels[k];
        const Listed& got = listed[k];
        if (got.name != want.name)
            return "channel " + std::to_string(k) + " is " + got.name + ", joined " + want.name;
        const Listed expected{want.name, static_cast<std::int64_t>(want.last_seq), 0,
                              capped(want.unread), capped(want.mentions)};
        if (got.last_seq != expected.last_seq || got.read_seq != expected.read_seq ||
            got.unread != expected.unread || got.mentions != expected.mentions)
            return want.name + ": " + figures(got) + " instead of " + figures(expected);
    }

    std::map<std::string, Listed, std::less<>> with;
    if (!visit_json_array(conversations, [&](std::string_view e) {
            auto entry = read_entry(e, "with");
            with.emplace(entry.name, std::move(entry));
        }))
        return "no conversations array";
    for (const auto& want : user.conversations) {
        const auto found = with.find(want.with);
        if (found == with.end()) return "no conversation with " + want.with;
        const Listed expected{want.with, static_cast<std::int64_t>(want.last_seq), 0,
                              capped(want.last_seq), -1};
        const Listed& got = found->second;
        if (got.last_seq != expected.last_seq || got.read_seq != 0 || got.unread != expected.unread)
            return "conversation with " + want.with + ": " + figures(got) + " instead of " +
                   figures(expected);
    }
    return {};
}

}  // namespace bench
