#pragma once

#include "model/message.hpp"

namespace parley::storage {

// An event's `type` as the wire and the webhooks name it: message, edited, deleted, reaction.
inline const char* event_type_name(model::EventType type) {
    switch (type) {
        case model::EventType::edited:
            return "edited";
        case model::EventType::deleted:
            return "deleted";
        case model::EventType::reaction:
            return "reaction";
        case model::EventType::message:
            break;
    }
    return "message";
}

}  // namespace parley::storage
