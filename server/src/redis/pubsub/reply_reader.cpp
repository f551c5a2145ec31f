#include "redis/pubsub/reply_reader.hpp"

#include <hiredis/hiredis.h>

#include <new>

#include "redis/reply.hpp"

namespace parley::redis::pubsub {

namespace {

// hiredis' own reply builders, with arrays bounded: an array's size comes from its header, and
// hiredis allocates room for all of its elements before any arrives. Returning nullptr makes
// the reader fail (it reports "Out of memory"), which closes the connection. The limit is the
// reader's privdata, which hiredis gives the outermost task of each reply.
redisReplyObjectFunctions default_functions;

void* bounded_array(const redisReadTask* task, int elements) {
    const redisReadTask* root = task;
    while (root->parent) root = root->parent;
    auto limit = *static_cast<const std::size_t*>(root->privdata);
    if (elements < 0 || static_cast<std::size_t>(elements) > limit) return nullptr;
    return default_functions.createArray(task, elements);
}

redisReplyObjectFunctions* bounded_functions() {
    static redisReplyObjectFunctions functions = [] {
        redisReader* probe = redisReaderCreate();
        default_functions = *probe->fn;
        redisReaderFree(probe);
        auto bounded = default_functions;
        bounded.createArray = &bounded_array;
        return bounded;
    }();
    return &functions;
}

}  // namespace

std::string format_command(const std::vector<std::string>& args) {
    ArgvView view(args);
    char* formatted = nullptr;
    int length =
        redisFormatCommandArgv(&formatted, view.count(), view.argv.data(), view.lengths.data());
    if (length < 0) throw std::bad_alloc();  // hiredis fails only when out of memory
    std::string command(formatted, static_cast<std::size_t>(length));
    redisFreeCommand(formatted);
    return command;
}

ReplyReader::ReplyReader(std::size_t max_reply_bytes, std::size_t max_elements)
    : reader_(redisReaderCreateWithFunctions(bounded_functions())),
      max_reply_bytes_(max_reply_bytes),
      max_elements_(max_elements) {
    if (!reader_) throw std::bad_alloc();
    reader_->privdata = &max_elements_;
}

ReplyReader::~ReplyReader() {
    redisReaderFree(reader_);
}

Expected<void> ReplyReader::feed(std::string_view bytes) {
    if (failed_) return Failure{"the reply stream already failed"};
    unparsed_ += bytes.size();
    if (redisReaderFeed(reader_, bytes.data(), bytes.size()) != REDIS_OK) {
        failed_ = true;
        return Failure{std::string("cannot buffer a reply: ") + reader_->errstr};
    }
    return {};
}

Expected<std::optional<Value>> ReplyReader::next() {
    if (failed_) return Failure{"the reply stream already failed"};
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        failed_ = true;
        // The only allocation we refuse is an array over the limit.
        if (reader_->err == REDIS_ERR_OOM) return Failure{"an array reply over the limit"};
        return Failure{std::string("a malformed reply: ") + reader_->errstr};
    }
    if (!raw) {
        // Checked here rather than in feed(): one read may carry many small replies at once.
        if (unparsed_ > max_reply_bytes_) {
            failed_ = true;
            return Failure{"a reply of more than " + std::to_string(max_reply_bytes_) + " bytes"};
        }
        return std::optional<Value>{};
    }
    auto* reply = static_cast<redisReply*>(raw);
    Value value = copy_reply(reply);
    freeReplyObject(reply);
    // What is left in hiredis' buffer belongs to the replies after this one.
    unparsed_ = reader_->len - reader_->pos;
    return std::optional<Value>{std::move(value)};
}

}  // namespace parley::redis::pubsub
