#include <algorithm>

#include "history.hpp"
#include "json_scan.hpp"

namespace bench {
namespace {

// Recent enough that the newest pages carry the changes; a chat's reactions and edits go to what
// is on screen.
constexpr std::size_t recent_kept = 128;
constexpr std::size_t mine_kept = 64;
constexpr std::size_t reactions_kept = 256;
constexpr std::uint32_t react_window = 64;  // react to one of the newest 64 messages

// Distinct emoji a message can collect from this tool: 8 of the server's 20 per message.
constexpr const char* emoji_set[] = {"👍", "❤", "😂", "🎉", "👀", "🙏", "🔥", "✅"};
constexpr std::uint8_t emoji_count = sizeof emoji_set / sizeof emoji_set[0];

// Plain words, so the stored text is like chat text (SQLite pages, any compression).
constexpr std::string_view filler =
    "the quick brown fox jumps over the lazy dog while the team ships the release on time ";

template <typename Deque, typename Value>
void push_capped(Deque& deque, const Value& value, std::size_t cap) {
    deque.push_back(value);
    if (deque.size() > cap) deque.pop_front();
}

void erase_seq(std::deque<std::uint64_t>& deque, std::uint64_t seq) {
    deque.erase(std::remove(deque.begin(), deque.end(), seq), deque.end());
}

}  // namespace

const char* fill_op_name(FillOp op) {
    switch (op) {
        case FillOp::say:
            return "say";
        case FillOp::react:
            return "react";
        case FillOp::unreact:
            return "unreact";
        case FillOp::edit:
            return "edit";
        case FillOp::remove:
            return "delete";
    }
    return "?";
}

FillMix::FillMix(std::vector<std::string> channel_names, std::uint32_t text_size,
                 std::uint64_t seed)
    : names_(std::move(channel_names)),
      channels_(names_.size()),
      text_size_(text_size),
      state_(seed | 1) {}

std::uint64_t FillMix::random() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
}

void FillMix::append_text(std::string& out, const char* prefix, std::uint64_t id) const {
    const std::size_t start = out.size();
    out += prefix;
    out += std::to_string(id);
    out += ' ';
    while (out.size() - start < text_size_)
        out += filler.substr(0, std::min(filler.size(), text_size_ - (out.size() - start)));
}

PendingOp FillMix::next(std::string& out, std::uint64_t id) {
    PendingOp op;
    op.channel = next_channel_;
    next_channel_ = (next_channel_ + 1) % static_cast<std::uint32_t>(channels_.size());
    Channel& channel = channels_[op.channel];

    const std::uint32_t roll = below(100);
    if (roll >= 58 && roll < 83 && !channel.recent.empty()) {
        const auto span = std::min<std::uint32_t>(react_window, channel.recent.size());
        const std::uint64_t target = channel.recent[channel.recent.size() - 1 - below(span)];
        // An emoji this client has not given that message yet, so the reaction is an event.
        const std::uint8_t first = static_cast<std::uint8_t>(below(emoji_count));
        for (std::uint8_t k = 0; k < emoji_count; ++k) {
            const std::uint8_t emoji = static_cast<std::uint8_t>((first + k) % emoji_count);
            const auto given = std::make_pair(target, emoji);
            if (std::find(channel.reacted.begin(), channel.reacted.end(), given) !=
                channel.reacted.end())
                continue;
            op.op = FillOp::react;
            op.target = target;
            op.emoji = emoji;
            push_capped(channel.reacted, given, reactions_kept);
            break;
        }
    } else if (roll >= 83 && roll < 91 && !channel.mine.empty()) {
        op.op = FillOp::edit;
        op.target = channel.mine[channel.mine.size() - 1 - below(channel.mine.size())];
    } else if (roll >= 91 && roll < 96 && !channel.reacted.empty()) {
        const std::size_t at = channel.reacted.size() - 1 - below(channel.reacted.size());
        op.op = FillOp::unreact;
        op.target = channel.reacted[at].first;
        op.emoji = channel.reacted[at].second;
        channel.reacted.erase(channel.reacted.begin() + static_cast<std::ptrdiff_t>(at));
    } else if (roll >= 96 && !channel.mine.empty()) {
        op.op = FillOp::remove;
        op.target = channel.mine[channel.mine.size() - 1 - below(channel.mine.size())];
        on_deleted(op.channel, op.target);  // nothing more goes to it from here
    }
    if (op.op == FillOp::say && !channel.recent.empty() && below(10) == 0) {
        const auto span = std::min<std::uint32_t>(react_window, channel.recent.size());
        op.target = channel.recent[channel.recent.size() - 1 - below(span)];  // a reply
    }

    static constexpr const char* types[] = {"say", "react", "unreact", "edit", "delete"};
    out.clear();
    out += R"({"type":")";
    out += types[static_cast<int>(op.op)];
    out += R"(","channel":")";
    out += names_[op.channel];
    out += '"';
    if (op.target > 0) {
        out += op.op == FillOp::say ? R"(,"reply_to":)" : R"(,"seq":)";
        out += std::to_string(op.target);
    }
    if (op.op == FillOp::say || op.op == FillOp::edit) {
        out += R"(,"text":")";
        append_text(out, op.op == FillOp::say ? "message " : "edited ", id);
        out += '"';
    }
    if (op.op == FillOp::react || op.op == FillOp::unreact) {
        out += R"(,"emoji":")";
        out += emoji_set[op.emoji];
        out += '"';
    }
    out += R"(,"id":)";
    out += std::to_string(id);
    out += '}';
    return op;
}

void FillMix::on_message(std::uint32_t channel, std::uint64_t seq) {
    if (channel < channels_.size()) push_capped(channels_[channel].recent, seq, recent_kept);
}

void FillMix::on_deleted(std::uint32_t channel, std::uint64_t target) {
    if (channel >= channels_.size()) return;
    Channel& state = channels_[channel];
    erase_seq(state.recent, target);
    erase_seq(state.mine, target);
    state.reacted.erase(std::remove_if(state.reacted.begin(), state.reacted.end(),
                                       [&](const auto& given) { return given.first == target; }),
                        state.reacted.end());
}

void FillMix::on_ok(const PendingOp& op, std::uint64_t seq) {
    if (op.op == FillOp::say && seq > 0) push_capped(channels_[op.channel].mine, seq, mine_kept);
}

void FillMix::on_error(const PendingOp& op) {
    // A reaction the server refused was not given: forget it. (Refusals come from racing a
    // deletion by another client, whose `deleted` event had not arrived yet.)
    if (op.op != FillOp::react) return;
    auto& reacted = channels_[op.channel].reacted;
    const auto given = std::make_pair(op.target, op.emoji);
    reacted.erase(std::remove(reacted.begin(), reacted.end(), given), reacted.end());
}

bool scan_history_page(std::string_view reply, PageStats& stats) {
    std::string_view type, messages;
    const bool object = visit_json_fields(reply, [&](std::string_view key, std::string_view value) {
        if (key == "type") type = value;
        if (key == "messages") messages = value;
    });
    if (!object || type != "history" || messages.empty() || messages.front() != '[') return false;
    using namespace json_detail;
    std::size_t at = skip_space(messages, 1);
    while (at < messages.size() && messages[at] != ']') {
        const std::size_t end = skip_value(messages, at);
        if (end == std::string_view::npos) return false;
        ++stats.messages;
        visit_json_fields(messages.substr(at, end - at),
                          [&](std::string_view key, std::string_view value) {
                              if (key == "reactions") ++stats.with_reactions;
                              if (key == "edited_ts") ++stats.edited;
                              if (key == "deleted" && value == "true") ++stats.deleted;
                              if (key == "reply_to") ++stats.replies;
                              if (key == "seq") {
                                  std::uint64_t seq = 0;
                                  for (const char c : value)
                                      if (c >= '0' && c <= '9')
                                          seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
                                  stats.highest_seq = std::max(stats.highest_seq, seq);
                              }
                          });
        at = skip_space(messages, end);
        if (at < messages.size() && messages[at] == ',') at = skip_space(messages, at + 1);
    }
    return true;
}

}  // namespace bench
