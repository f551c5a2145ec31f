#include "publish_support.hpp"

#include <stdexcept>
#include <thread>

namespace parley::test {

std::vector<std::string> api_key_args(std::vector<std::string> more) {
    std::vector<std::string> args{"--api-key", "deploy:" + deploy_secret, "--api-key",
                                  "ci:" + ci_secret};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string request = method + " " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nConnection: close\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return parse_http_response(raw_request(port, request, default_timeout));
}

HttpResponse publish_text(std::uint16_t port, const std::string& channel, const std::string& body,
                          const std::string& secret) {
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    if (!secret.empty()) headers.emplace_back("Authorization", "Bearer " + secret);
    return http_request(port, "POST", "/api/channels/" + channel + "/messages", body, headers);
}

HttpResponse publish(std::uint16_t port, const std::string& channel, const json& body,
                     const std::string& secret) {
    return publish_text(port, channel, body.dump(), secret);
}

json body_of(const HttpResponse& response) {
    auto body = json::parse(response.body, nullptr, false);
    return body.is_discarded() ? json::object() : body;
}

json api_history(std::uint16_t port, const std::string& channel) {
    auto response = http_get(port, "/api/channels/" + channel + "/messages");
    if (response.status != 200) return json::array();
    return body_of(response).value("messages", json::array());
}

json say_keyed(Client& client, const std::string& channel, const std::string& text,
               const std::string& key, const std::string& id) {
    json frame{{"type", "say"}, {"channel", channel}, {"text", text}};
    if (!key.empty()) frame["key"] = key;
    return request(client, frame, id);
}

json dm_keyed(Client& client, const std::string& to, const std::string& text,
              const std::string& key, const std::string& id) {
    json frame{{"type", "dm"}, {"to", to}, {"text", text}};
    if (!key.empty()) frame["key"] = key;
    return request(client, frame, id);
}

std::unique_ptr<Client> resumed(std::uint16_t port, const std::string& nick, const json& resume) {
    auto client = std::make_unique<Client>(port);
    json welcome;
    for (int attempt = 0; attempt < 100; ++attempt) {
        welcome = request(*client, {{"type", "hello"}, {"nick", nick}, {"resume", resume}},
                          "resume" + std::to_string(attempt));
        if (welcome.value("type", "") == "welcome") return client;
        std::this_thread::sleep_for(20ms);
    }
    throw std::runtime_error("could not resume " + nick + ": " + welcome.dump());
}

json next_in(Client& client, const std::string& channel) {
    return client.next_where([&](const json& f) {
        return f.value("type", "") == "message" && f.value("channel", "") == channel;
    });
}

void presence_of(Client& client, const std::string& change, const std::string& nick) {
    client.next_where([&](const json& f) {
        return f.value("type", "") == "presence" &&
               f.value(change, json::array()).dump().find('"' + nick + '"') != std::string::npos;
    });
}

}  // namespace parley::test
