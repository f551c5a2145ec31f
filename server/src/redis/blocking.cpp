#include "redis/blocking.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <memory>

#include "redis/cluster/slots.hpp"
#include "redis/reply.hpp"

namespace parley::redis {

namespace {

using Context = std::unique_ptr<redisContext, void (*)(redisContext*)>;

// One command on a blocking context: the reply, or nullopt when the connection failed.
std::optional<Value> run(redisContext* context, const std::vector<std::string>& args) {
    ArgvView view(args);
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context, view.count(), view.argv.data(), view.lengths.data()));
    if (!reply) return std::nullopt;
    auto value = copy_reply(reply);
    freeReplyObject(reply);
    return value;
}

Expected<Value> ask(const Endpoint& endpoint, const std::vector<std::string>& args, bool asking) {
    timeval timeout{5, 0};
    Context context(redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, timeout),
                    redisFree);
    auto failure = [&](const std::string& what) {
        return Failure{
            what + " Redis at " + endpoint.display() +
            (context && context->err ? std::string(": ") + context->errstr : std::string())};
    };
    if (!context || context->err) return failure("cannot reach");
    redisSetTimeout(context.get(), timeout);
    if (endpoint.db != 0 && !run(context.get(), {"SELECT", std::to_string(endpoint.db)}))
        return failure("lost");
    if (asking && !run(context.get(), {"ASKING"})) return failure("lost");
    auto reply = run(context.get(), args);
    if (!reply) return failure("no answer from");
    return std::move(*reply);
}

}  // namespace

Expected<Value> run_blocking(const std::vector<Endpoint>& seeds, std::vector<std::string> args) {
    Failure last{"no Redis was given"};
    for (const auto& seed : seeds) {
        auto reply = ask(seed, args, false);
        if (!reply) {
            last = std::move(reply).error();
            continue;
        }
        auto redirect = reply->is_error() ? cluster::parse_redirect(reply->text) : std::nullopt;
        if (!redirect) return reply;
        // One redirection: the node that owns the key's slot (or is importing it) answers.
        auto followed =
            ask(redirect->endpoint, args, redirect->kind == cluster::Redirect::Kind::ask);
        if (followed) return followed;
        last = std::move(followed).error();
    }
    return last;
}

}  // namespace parley::redis
