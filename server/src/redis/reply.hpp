#pragma once

#include "redis/client.hpp"

struct redisReply;

namespace parley::redis {

// A hiredis reply copied into a Value, so that it outlives hiredis' buffer.
Value copy_reply(const redisReply* reply);

}  // namespace parley::redis
