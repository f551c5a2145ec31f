#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.hpp"
#include "redis/client.hpp"

struct redisReader;

// The RESP side of Parley's own Redis connections (redis/pubsub/): commands are formatted and
// replies parsed by hiredis (redisFormatCommandArgv, redisReader), only the socket is ours. This
// is what lets a connection receive SSUBSCRIBE's pushes, which hiredis 0.14's async API cannot.
namespace parley::redis::pubsub {

// One command in RESP, ready to write.
std::string format_command(const std::vector<std::string>& args);

// Turns the bytes read from a socket into replies, with bounds: a reply bigger than
// `max_reply_bytes`, or an array of more than `max_elements`, is refused before it is held in
// memory whole (hiredis would wait for, and allocate, whatever a length prefix announces). So
// it holds at most max_reply_bytes plus what one feed() brings.
class ReplyReader {
  public:
    ReplyReader(std::size_t max_reply_bytes, std::size_t max_elements);
    ~ReplyReader();
    ReplyReader(const ReplyReader&) = delete;
    ReplyReader& operator=(const ReplyReader&) = delete;

    // Takes bytes as they come; call next() until it says it needs more.
    Expected<void> feed(std::string_view bytes);
    // The next complete reply, nullopt when more bytes are needed. A failure (malformed, too
    // big) is final: the connection must close, since nothing after it can be trusted.
    Expected<std::optional<Value>> next();

  private:
    redisReader* reader_;
    std::size_t max_reply_bytes_;
    std::size_t max_elements_;  // the reader's privdata
    std::size_t unparsed_ = 0;  // bytes fed since the last complete reply ended
    bool failed_ = false;
};

}  // namespace parley::redis::pubsub
