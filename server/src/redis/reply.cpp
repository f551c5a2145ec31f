#include "redis/reply.hpp"

#include <hiredis/hiredis.h>

namespace parley::redis {

Value copy_reply(const redisReply* reply) {
    Value value;
    switch (reply->type) {
        case REDIS_REPLY_INTEGER:
            value.type = Value::Type::integer;
            value.integer = reply->integer;
            break;
        case REDIS_REPLY_STRING:
        case REDIS_REPLY_STATUS:
        case REDIS_REPLY_ERROR:
            value.type = reply->type == REDIS_REPLY_STRING   ? Value::Type::string
                         : reply->type == REDIS_REPLY_STATUS ? Value::Type::status
                                                             : Value::Type::error;
            value.text.assign(reply->str, reply->len);
            break;
        case REDIS_REPLY_ARRAY:
            value.type = Value::Type::array;
            value.elements.reserve(reply->elements);
            for (std::size_t i = 0; i < reply->elements; ++i)
                value.elements.push_back(copy_reply(reply->element[i]));
            break;
        default:
            break;
    }
    return value;
}

}  // namespace parley::redis
