#pragma once
// Helpers for the publish API and idempotency tests: POST /api/channels/{name}/messages with an
// API key, sends that carry an idempotency key, and a guest coming back to its stay.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "accounts_support.hpp"

namespace parley::test {

// The API keys the tests start servers with; `api_key_args` gives both to `parley serve`.
inline const std::string deploy_secret = "deploy-secret-0123456789abcdef";
inline const std::string ci_secret = "ci-secret-fedcba9876543210";
std::vector<std::string> api_key_args(std::vector<std::string> more = {});

// Any request with a body and extra headers (Host, Connection: close and Content-Length are
// added); the whole answer.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body,
                          const std::vector<std::pair<std::string, std::string>>& headers = {});

// POST /api/channels/{channel}/messages with `Authorization: Bearer <secret>` (no header when the
// secret is empty) and `body` as it is.
HttpResponse publish_text(std::uint16_t port, const std::string& channel, const std::string& body,
                          const std::string& secret = deploy_secret);
HttpResponse publish(std::uint16_t port, const std::string& channel, const json& body,
                     const std::string& secret = deploy_secret);

// An answer's body as JSON; an empty object when it is none.
json body_of(const HttpResponse& response);

// The messages of `channel` as GET /api/channels/{channel}/messages reads them (an empty array
// when it answers anything but 200).
json api_history(std::uint16_t port, const std::string& channel);

// A `say` or `dm` with an idempotency key (none when empty), and the reply to it.
json say_keyed(Client& client, const std::string& channel, const std::string& text,
               const std::string& key, const std::string& id);
json dm_keyed(Client& client, const std::string& to, const std::string& text,
              const std::string& key, const std::string& id);

// A new connection of the guest `nick` that continues the stay whose welcome gave `resume`;
// retried while the connection that just closed still holds the nick.
std::unique_ptr<Client> resumed(std::uint16_t port, const std::string& nick, const json& resume);

// The next `message` `client` sees in `channel` (its own included).
json next_in(Client& client, const std::string& channel);
// Waits until `client` is told that `nick` joined or left (`change`).
void presence_of(Client& client, const std::string& change, const std::string& nick);

}  // namespace parley::test
