// The HTTP publish API: POST /api/channels/{name}/messages with an API key, as a deploy job or a
// bot uses it, on one node.
#include <gtest/gtest.h>

#include <cstdlib>

#include "publish_support.hpp"

namespace parley::test {
namespace {

json message_from(const std::string& from, const std::string& text) {
    return {{"from", from}, {"text", text}};
}

std::string error_code_of(const HttpResponse& response) {
    return body_of(response).value("error", json::object()).value("code", "(none)");
}

TEST(Publish, A201StoresAndFansOutABotMessageThatHistoryKeepsMarked) {
    ServerProcess server{api_key_args()};
    Client ann(server.port());
    ann.hello("ann");
    ann.join("releases");

    auto created = publish(server.port(), "releases", message_from("deploybot", "1.4 is out"));
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.header("Content-Type"), "application/json");
    auto answer = body_of(created);
    EXPECT_EQ(answer["channel"], "releases");
    ASSERT_TRUE(answer["seq"].is_number_integer()) << created.body;
    ASSERT_TRUE(answer["ts"].is_number_integer()) << created.body;
    auto seq = answer["seq"].get<std::int64_t>();

    auto seen = ann.next_of_type("message");
    EXPECT_EQ(seen["from"], "deploybot");
    EXPECT_EQ(seen["text"], "1.4 is out");
    EXPECT_EQ(seen["seq"], seq);
    EXPECT_EQ(seen["ts"], answer["ts"]);
    EXPECT_EQ(seen.value("bot", false), true) << seen.dump();

    // A reply to it, by the other key; and a user's say, which is no bot's.
    auto reply = publish(server.port(), "releases",
                         {{"from", "ci"}, {"text", "tests green"}, {"reply_to", seq}}, ci_secret);
    ASSERT_EQ(reply.status, 201) << reply.body;
    auto replied = ann.next_of_type("message");
    EXPECT_EQ(replied["reply_to"], seq);
    EXPECT_EQ(replied.value("bot", false), true);
    EXPECT_EQ(say_keyed(ann, "releases", "thanks", "", "s1")["seq"], seq + 2);
    EXPECT_FALSE(ann.next_of_type("message").contains("bot"));

    // History keeps the mark on every path: a join's page, the history command, the HTTP API.
    Client bob(server.port());
    bob.hello("bob");
    auto joined = bob.join("releases");
    ASSERT_EQ(joined["history"].size(), 3u) << joined.dump();
    auto page = request(bob, {{"type", "history"}, {"channel", "releases"}, {"before", seq + 3}});
    ASSERT_EQ(page["messages"].size(), 3u) << page.dump();
    auto api = api_history(server.port(), "releases");
    ASSERT_EQ(api.size(), 3u);
    for (const auto& messages : {joined["history"], page["messages"], api}) {
        EXPECT_EQ(messages[0].value("bot", false), true) << messages.dump();
        EXPECT_EQ(messages[1].value("bot", false), true) << messages.dump();
        EXPECT_EQ(messages[1]["reply_to"], seq);
        EXPECT_FALSE(messages[2].contains("bot")) << messages.dump();
    }
    EXPECT_EQ(wait_for_metric(server.port(), "parley_api_publishes_total{result=\"created\"}", 2),
              2);
}

TEST(Publish, AChannelThatDoesNotExistIsCreatedAndAPrivateOneIsAllowed) {
    Team team(api_key_args(), /*is_private=*/true);
    auto port = team.server.port();
    ASSERT_EQ(publish(port, "fresh", message_from("deploybot", "first")).status, 201);
    auto bob_joins = request(*team.bob, {{"type", "join"}, {"channel", "fresh"}});
    ASSERT_EQ(bob_joins["type"], "joined") << bob_joins.dump();
    ASSERT_EQ(bob_joins["history"].size(), 1u);
    EXPECT_EQ(bob_joins["history"][0]["text"], "first");

    auto to_team = publish(port, "team", message_from("deploybot", "for members"));
    ASSERT_EQ(to_team.status, 201) << to_team.body;
    auto seen = team.carl->next_where([](const json& f) {
        return f.value("type", "") == "message" && f.value("channel", "") == "team";
    });
    EXPECT_EQ(seen["text"], "for members");
    EXPECT_EQ(seen.value("bot", false), true);
    // Still private: nobody else reads it over HTTP.
    EXPECT_EQ(http_get(port, "/api/channels/team/messages").status, 404);
}

TEST(Publish, ARepeatedIdempotencyKeyAnswers200WithTheFirstSeqAndStoresNothing) {
    ServerProcess server{api_key_args()};
    Client ann(server.port());
    ann.hello("ann");
    ann.join("releases");
    json body{{"from", "deploybot"}, {"text", "1.4 is out"}, {"idempotency_key", "release-1.4"}};

    auto first = publish(server.port(), "releases", body);
    ASSERT_EQ(first.status, 201) << first.body;
    ann.next_of_type("message");
    auto again = publish(server.port(), "releases", body);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(body_of(again), body_of(first));
    // Through the other key as well: keys are the API's, not one key holder's.
    EXPECT_EQ(publish(server.port(), "releases", body, ci_secret).status, 200);

    // The same key in another channel, and another key here, are messages of their own; so is
    // a user's say under the same key.
    EXPECT_EQ(publish(server.port(), "other", body).status, 201);
    body["idempotency_key"] = "release-1.5";
    auto next = publish(server.port(), "releases", body);
    ASSERT_EQ(next.status, 201) << next.body;
    auto first_seq = body_of(first)["seq"].get<std::int64_t>();
    EXPECT_EQ(body_of(next)["seq"], first_seq + 1);
    EXPECT_EQ(say_keyed(ann, "releases", "mine", "release-1.4", "s1")["seq"], first_seq + 2);
    // ann saw no second copy: the next message after the first is the new one.
    EXPECT_EQ(ann.next_of_type("message")["seq"], first_seq + 1);
    EXPECT_EQ(api_history(server.port(), "releases").size(), 3u);
    EXPECT_EQ(wait_for_metric(server.port(), "parley_api_publishes_total{result=\"repeated\"}", 2),
              2);
}

TEST(Publish, ABadBodyIs400WithTheProtocolsCodeAndStoresNothing) {
    ServerProcess server{api_key_args({"--max-text-chars", "20"})};
    auto port = server.port();
    ASSERT_EQ(publish(port, "ops", message_from("deploybot", "kept")).status, 201);
    struct Case {
        std::string body, code;
    };
    for (const auto& [body, code] : std::vector<Case>{
             {R"({"from":"deploy bot","text":"x"})", "nick_invalid"},
             {R"({"from":")" + std::string(33, 'a') + R"(","text":"x"})", "nick_invalid"},
             {R"({"text":"x"})", "bad_request"},
             {R"({"from":7,"text":"x"})", "bad_request"},
             {R"({"from":"deploybot"})", "bad_request"},
             {R"({"from":"deploybot","text":"   "})", "text_invalid"},
             {R"({"from":"deploybot","text":")" + std::string(21, 'x') + "\"}", "text_invalid"},
             {R"({"from":"deploybot","text":"x","reply_to":"1"})", "bad_request"},
             {R"({"from":"deploybot","text":"x","reply_to":0})", "bad_request"},
             {R"({"from":"deploybot","text":"x","reply_to":99})", "no_such_message"},
             {R"({"from":"deploybot","text":"x","idempotency_key":""})", "bad_request"},
             {R"({"from":"deploybot","text":"x","idempotency_key":7})", "bad_request"},
             {R"({"from":"deploybot","text":"x","idempotency_key":")" + std::string(65, 'k') +
                  "\"}",
              "bad_request"},
             {R"(["from","deploybot"])", "bad_request"},
             {R"({"from":"deploybot","text":)", "bad_request"},
             {"", "bad_request"}}) {
        auto response = publish_text(port, "ops", body);
        EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
        EXPECT_EQ(error_code_of(response), code) << body << " -> " << response.body;
        EXPECT_FALSE(body_of(response)["error"].value("message", "").empty()) << response.body;
    }
    auto bad_channel = publish(port, "-ops", message_from("deploybot", "x"));
    EXPECT_EQ(bad_channel.status, 400);
    EXPECT_EQ(error_code_of(bad_channel), "channel_invalid") << bad_channel.body;
    // A key of exactly 64 characters is fine, and nothing refused was stored.
    EXPECT_EQ(
        publish(port, "ops",
                {{"from", "deploybot"}, {"text", "x"}, {"idempotency_key", std::string(64, 'k')}})
            .status,
        201);
    auto history = api_history(port, "ops");
    ASSERT_EQ(history.size(), 2u) << history.dump();
    EXPECT_EQ(history[0]["text"], "kept");
    EXPECT_EQ(history[1]["seq"], 2);
}

TEST(Publish, WithoutTheRightSecretIs401AndNothingIsStored) {
    ServerProcess server{api_key_args()};
    auto port = server.port();
    auto body = message_from("deploybot", "x").dump();
    std::vector<std::pair<std::string, std::string>> wrong_headers{
        {"Authorization", "Bearer " + deploy_secret.substr(0, deploy_secret.size() - 1)},
        {"Authorization", "Bearer " + deploy_secret + "x"},
        {"Authorization", "Bearer " + deploy_secret.substr(0, 16)},
        {"Authorization", "Bearer deploy"},
        {"Authorization", "Bearer deploy:" + deploy_secret},
        {"Authorization", "Bearer "},
        {"Authorization", "Basic " + deploy_secret},
        {"Authorization", deploy_secret},
        {"X-Api-Key", deploy_secret}};
    for (const auto& header : wrong_headers) {
        auto response = http_request(port, "POST", "/api/channels/ops/messages", body, {header});
        EXPECT_EQ(response.status, 401) << header.first << ": " << header.second;
        EXPECT_EQ(error_code_of(response), "unauthorized") << response.body;
    }
    EXPECT_EQ(publish_text(port, "ops", body, "").status, 401);
    // The key is checked first: a bad body or channel tells nothing to whoever has no key.
    EXPECT_EQ(publish_text(port, "-ops", "not json", "wrong-secret-0123456789").status, 401);
    EXPECT_EQ(http_get(port, "/api/channels/ops/messages").status, 404) << "nothing was stored";

    ServerProcess keyless;
    auto refused = publish(keyless.port(), "ops", message_from("deploybot", "x"));
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(error_code_of(refused), "unauthorized");
}

TEST(Publish, ARegisteredAccountsNickIs403) {
    ServerProcess server{api_key_args()};
    auto ann = signed_up(server.port(), "ann");
    for (const char* from : {"ann", "ANN"}) {
        auto response = publish(server.port(), "ops", message_from(from, "I am ann"));
        EXPECT_EQ(response.status, 403) << from;
        EXPECT_EQ(error_code_of(response), "forbidden") << response.body;
    }
    // A guest's nick is only a name: a bot may use it.
    Client bob(server.port());
    bob.hello("bob");
    EXPECT_EQ(publish(server.port(), "ops", message_from("bob", "x")).status, 201);
    EXPECT_EQ(publish(server.port(), "ops", message_from("annbot", "x")).status, 201);
    EXPECT_EQ(api_history(server.port(), "ops").size(), 2u);
}

TEST(Publish, OtherMethodsAre405WithAllow) {
    ServerProcess server{api_key_args()};
    auto auth = std::pair<std::string, std::string>{"Authorization", "Bearer " + deploy_secret};
    for (const char* method : {"PUT", "PATCH", "DELETE"}) {
        auto response = http_request(server.port(), method, "/api/channels/ops/messages",
                                     message_from("deploybot", "x").dump(), {auth});
        EXPECT_EQ(response.status, 405) << method;
        EXPECT_EQ(response.header("Allow"), "GET, HEAD, POST") << method;
    }
    EXPECT_EQ(http_get(server.port(), "/api/channels/ops/messages").status, 404);
    // Elsewhere POST is still not allowed.
    EXPECT_EQ(http_get(server.port(), "/healthz", "POST").header("Allow"), "GET, HEAD");
}

TEST(Publish, TheRepeatIsRecognisedAfterARestart) {
    TempDir dir;
    auto args = api_key_args({"--data", dir.file("parley.db")});
    json body{{"from", "deploybot"}, {"text", "nightly"}, {"idempotency_key", "nightly-42"}};
    json first;
    {
        ServerProcess server{args};
        auto created = publish(server.port(), "ops", body);
        ASSERT_EQ(created.status, 201) << created.body;
        first = body_of(created);
        EXPECT_EQ(server.stop(), 0);
    }
    ServerProcess again{args};
    auto repeated = publish(again.port(), "ops", body);
    EXPECT_EQ(repeated.status, 200) << repeated.body;
    EXPECT_EQ(body_of(repeated), first);
    auto history = api_history(again.port(), "ops");
    ASSERT_EQ(history.size(), 1u) << history.dump();
    EXPECT_EQ(history[0].value("bot", false), true);
}

// Secrets reach no log line, at the most talkative level, whether given as flags or in the
// environment, used rightly or wrongly; the names do.
TEST(Publish, SecretsNeverAppearInTheLog) {
    const std::string env_secret = "env-secret-00112233445566";
    const std::string wrong = "wrong-secret-99887766554433";
    // The environment's list alone: --api-key on the command line would replace it.
    setenv("PARLEY_API_KEYS",
           ("cron:" + env_secret + ",deploy:" + deploy_secret + ",ci:" + ci_secret).c_str(), 1);
    ServerProcess server{{"--log-level", "debug"}};
    unsetenv("PARLEY_API_KEYS");
    EXPECT_EQ(publish(server.port(), "ops", message_from("deploybot", "x"), wrong).status, 401);
    EXPECT_EQ(publish(server.port(), "ops", message_from("deploybot", "x")).status, 201);
    EXPECT_EQ(publish(server.port(), "ops", message_from("cronbot", "x"), env_secret).status, 201);
    server.stop();
    auto logs = server.logs();
    for (const auto& secret : {deploy_secret, ci_secret, env_secret, wrong})
        EXPECT_EQ(logs.find(secret), std::string::npos) << secret << " in:\n" << logs;
    // The names are.
    EXPECT_NE(logs.find("api: keys cron, deploy, ci may publish"), std::string::npos) << logs;
    EXPECT_NE(logs.find("config api-key=***"), std::string::npos);

    // Nor does a refused --api-key echo its secret, as a name or a message.
    for (const std::string& key :
         {std::string("deploy:short-s3cr3t"), std::string("no-colon-s3cr3t-0123456789"),
          std::string("bad name:s3cr3t-0123456789")}) {
        auto result = run_parley(
            {"serve", "--web-root", std::string(PARLEY_SOURCE_DIR) + "/web", "--api-key", key});
        EXPECT_EQ(result.exit_code, 2) << key;
        EXPECT_NE(result.output.find("--api-key"), std::string::npos) << result.output;
        EXPECT_EQ(result.output.find("s3cr3t"), std::string::npos) << result.output;
    }
}

}  // namespace
}  // namespace parley::test
