// GET /api/channels/{name}/messages: a page of a channel's history, as the `history` command
// gives it.
#include "model/message.hpp"
#include "model/parse_number.hpp"
#include "net/http/routes.hpp"
#include "protocol/command.hpp"
#include "protocol/events.hpp"

namespace parley::net::http {

namespace {

constexpr int max_api_limit = 100;

// The value of a query parameter that is present and not empty.
std::optional<std::string> parameter(const boost::urls::url_view& url, std::string_view name) {
    auto it = url.params().find(name);
    if (it == url.params().end() || (*it).value.empty()) return std::nullopt;
    return std::string((*it).value);
}

}  // namespace

// The page asked for: channel, before, limit.
struct Page {
    std::string channel;
    std::optional<std::int64_t> before;
    int limit;
};

void read_page(ServerContext& context, const RequestShape& shape, const std::string& channel,
               std::optional<std::int64_t> before, int limit, const Respond& respond);
// The page as `who` may see it: a private channel is not found by anyone who may not read it.
void answer_as(ServerContext& context, const RequestShape& shape, const Page& page,
               const chat::Identity& who, const Respond& respond);

void history_api(ServerContext& context, const Request& request, const boost::urls::url_view& url,
                 const std::string& channel, const Respond& respond) {
    auto shape = RequestShape::of(request);
    auto bad = [&](std::string_view code, std::string_view message) {
        respond(json_error(shape, beast_http::status::bad_request, code, message));
    };
    if (!protocol::is_valid_channel(channel))
        return bad("channel_invalid", "not a valid channel name");
    std::optional<std::int64_t> before;
    int limit = 50;
    if (auto text = parameter(url, "before")) {
        before = parse_number<std::int64_t>(*text);
        if (!before || *before < 1) return bad("bad_request", "before must be a positive integer");
    }
    if (auto text = parameter(url, "limit")) {
        auto value = parse_number<std::int64_t>(*text);
        if (!value || *value < 1 || *value > max_api_limit)
            return bad("bad_request", "limit must be between 1 and 100");
        limit = static_cast<int>(*value);
    }
    // Who asks: the user of a token (Authorization: Bearer), or, where guests may read, anyone.
    Page page{channel, before, limit};
    auto authorization = request[beast_http::field::authorization];
    if (!authorization.starts_with("Bearer ")) {
        if (!context.guests)
            return respond(json_error(shape, beast_http::status::unauthorized, "unauthorized",
                                      "this server needs Authorization: Bearer <token>"));
        return answer_as(context, shape, page, chat::Identity{}, respond);
    }
    auto verified = context.verify_token(authorization.substr(7));
    if (!verified)
        return respond(json_error(shape, beast_http::status::unauthorized, "unauthorized",
                                  "the token is not valid"));
    auto key = model::nick_key(verified->subject);
    chat::Identity who{key, true, context.hub.is_admin(key)};
    // An account's token must be newer than its last password change.
    auto found = [&context, shape, page, who, respond, issued_at = verified->issued_at](
                     Expected<std::optional<storage::Account>> account) {
        if (!account)
            return respond(json_error(shape, beast_http::status::service_unavailable, "unavailable",
                                      "accounts could not be read"));
        if (*account && !storage::accepts_token(**account, issued_at))
            return respond(json_error(shape, beast_http::status::unauthorized, "unauthorized",
                                      "the token was issued before the password changed"));
        answer_as(context, shape, page, who, respond);
    };
    if (!context.directory->find_account(key, found))
        respond(json_error(shape, beast_http::status::service_unavailable, "busy",
                           "the server is busy, try again"));
}

void answer_as(ServerContext& context, const RequestShape& shape, const Page& page,
               const chat::Identity& who, const Respond& respond) {
    const auto& channel = page.channel;
    auto before = page.before;
    auto limit = page.limit;
    auto not_found = [respond, shape] {
        respond(json_error(shape, beast_http::status::not_found, "no_such_channel",
                           "no channel with that name"));
    };
    if (!context.hub.channel_known(channel)) return not_found();
    // A private channel is not found by anyone who may not read it: its existence stays private.
    context.hub.readable(
        channel, who,
        [&context, respond, shape, channel, before, limit,
         not_found](std::optional<bool> readable) {
            if (!readable)
                return respond(json_error(shape, beast_http::status::service_unavailable,
                                          "unavailable", "the channel could not be read"));
            if (!*readable) return not_found();
            read_page(context, shape, channel, before, limit, respond);
        });
}

void read_page(ServerContext& context, const RequestShape& shape, const std::string& channel,
               std::optional<std::int64_t> before, int limit, const Respond& respond) {
    auto& hub = context.hub;
    auto answer = [&hub, respond, shape, channel](storage::Page page) {
        if (!page.ok)
            return respond(json_error(shape, beast_http::status::service_unavailable, "unavailable",
                                      "history could not be read"));
        if (!page.channel_exists && !hub.has_members(channel))
            return respond(json_error(shape, beast_http::status::not_found, "no_such_channel",
                                      "no channel with that name"));
        respond(text_response(shape, beast_http::status::ok, "application/json",
                              protocol::encode_messages_page(channel, page.messages)));
    };
    if (!hub.history_store().before(channel, before, limit, answer))
        respond(json_error(shape, beast_http::status::service_unavailable, "busy",
                           "the server is busy, try again"));
}

}  // namespace parley::net::http
