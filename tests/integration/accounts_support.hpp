#pragma once
// Helpers for the accounts and channel authority tests: commands that wait for their own reply,
// logins over WebSocket and HTTP.

#include <memory>
#include <string>

#include "harness.hpp"
#include "support.hpp"

namespace parley::test {

// Sends `frame` with "id": `id` and returns the frame that answers it (ok, error, joined,
// welcome...); frames of other ids stay queued.
json request(Client& client, json frame, const std::string& id = "r");

// Reply to {"type":"register"} / {"type":"hello","password"} on a fresh connection.
json register_account(Client& client, const std::string& nick, const std::string& password);
json log_in(Client& client, const std::string& nick, const std::string& password);

// A new connection that registers `nick` (password `password_for(nick)`) and is welcomed.
std::unique_ptr<Client> signed_up(std::uint16_t port, const std::string& nick);
// A new connection that logs in as `nick`, registered by signed_up.
std::unique_ptr<Client> logged_in(std::uint16_t port, const std::string& nick);
// The setup code an admin's register needs, from the server's log ("" when it has none).
std::string admin_setup_code(const ServerProcess& server);
// A new connection that registers the admin `nick` with that code.
std::unique_ptr<Client> signed_up_admin(ServerProcess& server, const std::string& nick);
// A new connection of a guest.
std::unique_ptr<Client> guest(std::uint16_t port, const std::string& nick);
std::string password_for(const std::string& nick);

// A channel command on `nick` ({"type":"kick","channel","nick"}, and the like), its reply.
json act(Client& client, const std::string& type, const std::string& channel,
         const std::string& nick);

// ann owns "team" (registered, created with `is_private`), and bob and carl, accounts, are in it
// (invited first when it is private).
struct Team {
    explicit Team(std::vector<std::string> args = {}, bool is_private = false);
    ServerProcess server;
    std::unique_ptr<Client> ann, bob, carl;
};

// The code of an error reply, or "(not an error: ...)" for anything else.
std::string code_of(const json& reply);

// POST with a JSON body; the status, headers and body of the answer.
HttpResponse http_post(std::uint16_t port, const std::string& target, const std::string& body);
// POST /api/login; the answer's JSON body (empty object when there is none).
json api_login(std::uint16_t port, const std::string& nick, const std::string& password,
               int* status = nullptr);
// GET with `Authorization: Bearer <token>` (no header when the token is empty).
HttpResponse get_with_token(std::uint16_t port, const std::string& target,
                            const std::string& token);

}  // namespace parley::test
