#include <type_traits>

#include "protocol/command.hpp"

namespace parley::protocol {

double command_cost(const Command& command) {
    // Roughly what a command costs the server, relative to a `say`: reads that touch storage or
    // list many things weigh more, so a client can ask for them only a few times a second.
    return std::visit(
        [](const auto& c) -> double {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, HistoryQuery> || std::is_same_v<T, ConversationQuery>)
                return 4;
            // A write to storage, seen by the user's other connections.
            if constexpr (std::is_same_v<T, MarkRead>) return 2;
            if constexpr (std::is_same_v<T, ListChannels>) return 10;
            if constexpr (std::is_same_v<T, Who>) return 2;
            // Each runs Argon2id: a tenth of a second and 64 MiB of a hashing thread.
            if constexpr (std::is_same_v<T, Register> || std::is_same_v<T, ChangePassword>)
                return 20;
            if constexpr (std::is_same_v<T, Hello>) return c.password ? 20 : 1;
            return 1;
        },
        command);
}

}  // namespace parley::protocol
