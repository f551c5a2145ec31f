#include "chat/sequencer.hpp"

#include <algorithm>
#include <iterator>

namespace parley::chat {

void Sequencer::hold(model::ChatMessage message) {
    if (held_.size() >= max_held && !held_.count(message.seq)) {
        overflowed_ = true;
        return;
    }
    auto seq = message.seq;
    held_.try_emplace(seq, std::move(message));
}

Sequencer::Step Sequencer::release(bool may_catch_up) {
    Step step;
    if (!delivered_ || catching_up_) return step;
    while (!held_.empty()) {
        auto first = held_.begin();
        if (first->first <= *delivered_) {
            held_.erase(first);
        } else if (first->first == *delivered_ + 1) {
            step.deliver.push_back(std::move(first->second));
            held_.erase(first);
            ++*delivered_;
        } else {
            break;
        }
    }
    if (may_catch_up && (!held_.empty() || overflowed_)) {
        catching_up_ = true;
        step.catch_up_after = *delivered_;
    }
    return step;
}

Sequencer::Step Sequencer::start(std::int64_t head) {
    if (delivered_) return {};
    delivered_ = head;
    return release();
}

Sequencer::Step Sequencer::offer(model::ChatMessage message) {
    // While catching up even an old seq is held: if the store lost its data, it is a new one.
    if (delivered_ && !catching_up_ && message.seq <= *delivered_) return {};
    if (delivered_ && !catching_up_ && held_.empty() && message.seq == *delivered_ + 1) {
        ++*delivered_;  // the usual case, without a trip through held_
        Step step;
        step.deliver.push_back(std::move(message));
        return step;
    }
    hold(std::move(message));
    return release();
}

Sequencer::Step Sequencer::caught_up(std::vector<model::ChatMessage> messages, std::int64_t head) {
    catching_up_ = false;
    overflowed_ = false;
    if (!delivered_) return {};
    Step step;
    if (head < *delivered_) {
        delivered_ = 0;
        step.seqs_restarted = true;
    }
    for (auto& message : messages)
        if (message.seq > *delivered_) hold(std::move(message));
    while (!held_.empty() && held_.begin()->first <= head) {
        auto first = held_.begin();
        if (first->first > *delivered_) {
            delivered_ = first->first;
            step.deliver.push_back(std::move(first->second));
        }
        held_.erase(first);
    }
    delivered_ = std::max(*delivered_, head);
    // A gap left above `head` is messages published after the read: pub/sub brings them.
    auto rest = release(false);
    step.deliver.insert(step.deliver.end(), std::make_move_iterator(rest.deliver.begin()),
                        std::make_move_iterator(rest.deliver.end()));
    return step;
}

Sequencer::Step Sequencer::resync() {
    if (!delivered_ || catching_up_) return {};
    catching_up_ = true;
    Step step;
    step.catch_up_after = *delivered_;
    return step;
}

}  // namespace parley::chat
