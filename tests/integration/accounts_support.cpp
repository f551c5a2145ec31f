#include "accounts_support.hpp"

#include <stdexcept>

namespace parley::test {

json request(Client& client, json frame, const std::string& id) {
    frame["id"] = id;
    client.send(frame);
    return client.next_where([&](const json& f) { return f.value("id", "") == id; });
}

json register_account(Client& client, const std::string& nick, const std::string& password) {
    return request(client, {{"type", "register"}, {"nick", nick}, {"password", password}});
}

json log_in(Client& client, const std::string& nick, const std::string& password) {
    return request(client, {{"type", "hello"}, {"nick", nick}, {"password", password}});
}

std::string password_for(const std::string& nick) {
    return nick + "'s long password";
}

std::unique_ptr<Client> signed_up(std::uint16_t port, const std::string& nick) {
    auto client = std::make_unique<Client>(port);
    auto welcome = register_account(*client, nick, password_for(nick));
    if (welcome.value("type", "") != "welcome")
        throw std::runtime_error("could not register " + nick + ": " + welcome.dump());
    return client;
}

std::unique_ptr<Client> logged_in(std::uint16_t port, const std::string& nick) {
    auto client = std::make_unique<Client>(port);
    auto welcome = log_in(*client, nick, password_for(nick));
    if (welcome.value("type", "") != "welcome")
        throw std::runtime_error("could not log in as " + nick + ": " + welcome.dump());
    return client;
}

std::string admin_setup_code(const ServerProcess& server) {
    const std::string marker = "\"setup\":\"";
    auto logs = server.logs();
    auto at = logs.find(marker);
    if (at == std::string::npos) return "";
    at += marker.size();
    return logs.substr(at, logs.find('"', at) - at);
}

std::unique_ptr<Client> signed_up_admin(ServerProcess& server, const std::string& nick) {
    auto client = std::make_unique<Client>(server.port());
    auto welcome = request(*client, {{"type", "register"},
                                     {"nick", nick},
                                     {"password", password_for(nick)},
                                     {"setup", admin_setup_code(server)}});
    if (welcome.value("admin", false) != true)
        throw std::runtime_error("could not register the admin " + nick + ": " + welcome.dump());
    return client;
}

std::unique_ptr<Client> guest(std::uint16_t port, const std::string& nick) {
    auto client = std::make_unique<Client>(port);
    client->hello(nick);
    return client;
}

json act(Client& client, const std::string& type, const std::string& channel,
         const std::string& nick) {
    return request(client, {{"type", type}, {"channel", channel}, {"nick", nick}});
}

Team::Team(std::vector<std::string> args, bool is_private) : server(std::move(args)) {
    ann = signed_up(server.port(), "ann");
    bob = signed_up(server.port(), "bob");
    carl = signed_up(server.port(), "carl");
    auto created =
        request(*ann, {{"type", "create"}, {"channel", "team"}, {"private", is_private}});
    if (created.value("type", "") != "joined") throw std::runtime_error(created.dump());
    for (const auto& [nick, member] :
         {std::pair{"bob", bob.get()}, std::pair{"carl", carl.get()}}) {
        if (is_private) act(*ann, "invite", "team", nick);
        auto joined = request(*member, {{"type", "join"}, {"channel", "team"}});
        if (joined.value("type", "") != "joined") throw std::runtime_error(joined.dump());
    }
}

std::string code_of(const json& reply) {
    if (reply.value("type", "") != "error") return "(not an error: " + reply.dump() + ")";
    return reply.value("code", "(no code)");
}

HttpResponse http_post(std::uint16_t port, const std::string& target, const std::string& body) {
    std::string request = "POST " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nConnection: close\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
    return parse_http_response(raw_request(port, request, default_timeout));
}

json api_login(std::uint16_t port, const std::string& nick, const std::string& password,
               int* status) {
    auto response =
        http_post(port, "/api/login", json{{"nick", nick}, {"password", password}}.dump());
    if (status) *status = response.status;
    return json::parse(response.body, nullptr, false).is_object() ? json::parse(response.body)
                                                                  : json::object();
}

HttpResponse get_with_token(std::uint16_t port, const std::string& target,
                            const std::string& token) {
    if (token.empty()) return http_get(port, target);
    return http_get(port, target, "GET", {{"Authorization", "Bearer " + token}});
}

}  // namespace parley::test
