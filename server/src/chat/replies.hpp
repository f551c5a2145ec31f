#pragma once

#include <string>

#include "chat/participant.hpp"
#include "metrics/metrics.hpp"
#include "protocol/command.hpp"
#include "protocol/events.hpp"

namespace parley::chat {

// How every part of the hub answers a command: a reply frame, or an error that is counted.
class Replies {
  public:
    explicit Replies(metrics::Metrics& metrics) : metrics_(metrics) {}

    void send(const ParticipantPtr& p, const std::string& json) const {
        p->deliver(ws::make_text_frame(json));
    }
    void fail(const ParticipantPtr& p, const protocol::RequestId& id, protocol::ErrorCode code,
              const std::string& message) const {
        metrics_.count_error(code);
        send(p, protocol::encode_error(id, code, message));
    }
    void busy(const ParticipantPtr& p, const protocol::RequestId& id) const {
        fail(p, id, protocol::ErrorCode::busy, "the server is busy, try again");
    }

    metrics::Metrics& metrics() const { return metrics_; }

  private:
    metrics::Metrics& metrics_;
};

}  // namespace parley::chat
