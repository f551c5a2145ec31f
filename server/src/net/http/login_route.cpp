// POST /api/login: a password for a token, for clients that would rather not keep a password
// (the browser's "stay logged in") and for the HTTP API.
#include <nlohmann/json.hpp>

#include "auth/jwt.hpp"
#include "model/message.hpp"
#include "net/http/routes.hpp"

namespace parley::net::http {

void login(ServerContext& context, const Request& request, const std::string& peer,
           const Respond& respond) {
    auto shape = RequestShape::of(request);
    auto fail = [respond, shape](beast_http::status status, std::string_view code,
                                 std::string_view message) {
        respond(json_error(shape, status, code, message));
    };
    auto body = nlohmann::json::parse(request.body(), nullptr, false);
    if (!body.is_object() || !body.contains("nick") || !body["nick"].is_string() ||
        !body.contains("password") || !body["password"].is_string())
        return fail(beast_http::status::bad_request, "bad_request",
                    R"(the body must be {"nick":"...","password":"..."})");
    auto key = model::nick_key(body["nick"].get<std::string>());
    auto password = body["password"].get<std::string>();
    auto& limiter = *context.failed_logins;
    auto by_address = auth::FailureLimiter::address_key(peer);
    auto by_account = auth::FailureLimiter::account_key(key);
    // Counted as failed from the start, so that logins sent in parallel stay within the limit;
    // refunded when the password was right or never checked.
    auto at = auth::FailureLimiter::Clock::now();
    if (!limiter.attempt({by_address, by_account}, at)) {
        context.metrics.logins_limited_total.fetch_add(1, std::memory_order_relaxed);
        return fail(beast_http::status::too_many_requests, "rate_limited",
                    "too many failed logins; try again in a minute");
    }
    auto unchecked = [&limiter, fail, by_address, by_account, at](beast_http::status status,
                                                                  std::string_view code,
                                                                  std::string_view message) {
        limiter.refund(by_address, at);
        limiter.refund(by_account, at);
        fail(status, code, message);
    };
    auto refuse = [&context, fail] {
        context.metrics.failed_logins_total.fetch_add(1, std::memory_order_relaxed);
        fail(beast_http::status::unauthorized, "unauthorized", "wrong nick or password");
    };
    auto found = [&context, &limiter, respond, shape, unchecked, refuse, password, by_address,
                  by_account, at](Expected<std::optional<storage::Account>> account) {
        if (!account)
            return unchecked(beast_http::status::service_unavailable, "unavailable",
                             "accounts could not be read");
        if (!*account) return refuse();
        auto nick = (*account)->nick;
        auto checked = [&context, &limiter, respond, shape, refuse, nick, by_address, by_account,
                        at](bool matches) {
            if (!matches) return refuse();
            limiter.refund(by_address, at);
            limiter.succeeded(by_account);
            auto ttl = std::chrono::duration_cast<std::chrono::seconds>(context.options.token_ttl);
            auto now = auth::unix_now();
            auto token = auth::sign_token(context.signing_key, nick, ttl, now);
            nlohmann::json answer{
                {"nick", nick}, {"token", token}, {"expires_at", now + ttl.count()}};
            respond(
                text_response(shape, beast_http::status::ok, "application/json", answer.dump()));
        };
        if (!context.hasher->verify(password, (*account)->password_hash, checked))
            unchecked(beast_http::status::service_unavailable, "busy",
                      "the server is busy, try again");
    };
    if (!context.directory->find_account(key, found))
        unchecked(beast_http::status::service_unavailable, "busy", "the server is busy, try again");
}

}  // namespace parley::net::http
