// POST /api/channels/{name}/messages: a message from other software (a deploy job, a bot),
// holding an API key. Stored and fanned out as a `say` is, marked as a bot's.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "model/message.hpp"
#include "net/http/routes.hpp"
#include "protocol/command.hpp"

namespace parley::net::http {

namespace {

// The `{"channel","seq","ts"}` a stored (201) or repeated (200) publish answers.
Response stored(const RequestShape& shape, beast_http::status status,
                const model::ChatMessage& message) {
    nlohmann::json body{{"channel", message.channel}, {"seq", message.seq}, {"ts", message.ts}};
    return text_response(shape, status, "application/json", body.dump());
}

}  // namespace

void publish_api(ServerContext& context, const Request& request, const std::string& channel,
                 const Respond& respond) {
    auto shape = RequestShape::of(request);
    auto fail = [&](beast_http::status status, std::string_view code, std::string_view message) {
        respond(json_error(shape, status, code, message));
    };
    auto authorization = request[beast_http::field::authorization];
    auto key = authorization.starts_with("Bearer ")
                   ? context.api_keys->name_of(authorization.substr(7))
                   : std::nullopt;
    if (!key)
        return fail(beast_http::status::unauthorized, "unauthorized",
                    context.api_keys->empty()
                        ? "this server has no API keys (--api-key)"
                        : "publishing needs Authorization: Bearer <an API key's secret>");
    if (!protocol::is_valid_channel(channel))
        return fail(beast_http::status::bad_request, "channel_invalid", "not a valid channel name");
    auto body = nlohmann::json::parse(request.body(), nullptr, false);
    auto publish = protocol::decode_publish(body, context.decode_limits);
    if (!publish)
        return fail(beast_http::status::bad_request, protocol::to_string(publish.error().code),
                    publish.error().message);

    model::ChatMessage message{channel, 0, publish->from, publish->text, model::now_millis()};
    message.reply_to = publish->reply_to;
    message.bot = true;
    // No user is this author: nobody edits a bot's message; moderators may delete it.
    message.author = "api:" + *key;
    message.idempotency = model::idempotency_key("api", publish->key);
    auto& metrics = context.metrics;
    auto answer = [&metrics, respond, shape, name = *key](const storage::AppendResult& result) {
        using storage::Refusal;
        const auto& m = result.message;
        auto count = [&metrics](metrics::Publish outcome) {
            metrics.api_publishes_total[static_cast<std::size_t>(outcome)].fetch_add(
                1, std::memory_order_relaxed);
        };
        if (result.committed) {
            count(metrics::Publish::created);
            spdlog::debug("api: key {} published {}#{}", name, m.channel, m.seq);
            return respond(stored(shape, beast_http::status::created, m));
        }
        if (result.refused == Refusal::repeated) {
            count(metrics::Publish::repeated);
            return respond(stored(shape, beast_http::status::ok, m));
        }
        count(metrics::Publish::refused);
        if (result.refused == Refusal::no_such_message)
            return respond(json_error(shape, beast_http::status::bad_request, "no_such_message",
                                      "reply_to names no message of " + m.channel));
        respond(json_error(shape, beast_http::status::service_unavailable,
                           result.busy ? "busy" : "unavailable",
                           result.busy ? "the server is busy, try again"
                                       : "the message could not be stored, try again"));
    };
    // A bot may not speak as a registered user: `from` is a name, not an account.
    auto found = [&context, respond, shape, message = std::move(message),
                  answer](Expected<std::optional<storage::Account>> account) mutable {
        if (!account)
            return respond(json_error(shape, beast_http::status::service_unavailable, "unavailable",
                                      "accounts could not be read"));
        if (*account)
            return respond(json_error(shape, beast_http::status::forbidden, "forbidden",
                                      message.from + " is a registered account's nick"));
        context.hub.publish(std::move(message), answer);
    };
    if (!context.directory->find_account(model::nick_key(publish->from), std::move(found)))
        fail(beast_http::status::service_unavailable, "busy", "the server is busy, try again");
}

}  // namespace parley::net::http
