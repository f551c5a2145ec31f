#include "net/http/origin_policy.hpp"

#include <gtest/gtest.h>

namespace {

using parley::net::normalize_origin;
using parley::net::OriginPolicy;

OriginPolicy policy_from(std::string_view list) {
    auto policy = OriginPolicy::from_list(list);
    EXPECT_TRUE(policy) << policy.error().message;
    return policy ? *policy : OriginPolicy{};
}

TEST(OriginPolicy, NoOriginHeaderIsAllowed) {
    OriginPolicy policy;
    EXPECT_TRUE(policy.allows(std::nullopt, "chat.example.com"));
    EXPECT_TRUE(policy.allows(std::nullopt, ""));
}

TEST(OriginPolicy, SameOriginIsAllowed) {
    OriginPolicy policy;
    EXPECT_TRUE(policy.allows("http://localhost:8080", "localhost:8080"));
    EXPECT_TRUE(policy.allows("https://chat.example.com", "chat.example.com"));
    EXPECT_TRUE(policy.allows("http://127.0.0.1:8080", "127.0.0.1:8080"));
    EXPECT_TRUE(policy.allows("http://[::1]:8080", "[::1]:8080"));
}

TEST(OriginPolicy, SameOriginIgnoresCase) {
    OriginPolicy policy;
    EXPECT_TRUE(policy.allows("HTTP://Chat.Example.COM:8080", "chat.example.com:8080"));
    EXPECT_TRUE(policy.allows("http://chat.example.com:8080", "CHAT.example.com:8080"));
}

TEST(OriginPolicy, DefaultPortsFollowTheOriginScheme) {
    OriginPolicy policy;
    EXPECT_TRUE(policy.allows("https://chat.example.com", "chat.example.com:443"));
    EXPECT_TRUE(policy.allows("https://chat.example.com:443", "chat.example.com"));
    EXPECT_TRUE(policy.allows("http://chat.example.com", "chat.example.com:80"));
    EXPECT_TRUE(policy.allows("http://chat.example.com:80", "chat.example.com"));
    EXPECT_FALSE(policy.allows("http://chat.example.com", "chat.example.com:443"));
    EXPECT_FALSE(policy.allows("https://chat.example.com", "chat.example.com:80"));
}

TEST(OriginPolicy, ForeignOriginIsRefused) {
    OriginPolicy policy;
    EXPECT_FALSE(policy.allows("https://evil.example", "chat.example.com"));
    EXPECT_FALSE(policy.allows("http://localhost:3000", "localhost:8080"));
    EXPECT_FALSE(policy.allows("http://chat.example.com.evil.example", "chat.example.com"));
    EXPECT_FALSE(policy.allows("http://localhost:8080", ""));
}

TEST(OriginPolicy, ListedOriginsAreAllowed) {
    auto policy = policy_from("https://chat.example.com, http://localhost:3000");
    EXPECT_TRUE(policy.allows("https://chat.example.com", "backend:8080"));
    EXPECT_TRUE(policy.allows("https://chat.example.com:443", "backend:8080"));
    EXPECT_TRUE(policy.allows("HTTPS://CHAT.EXAMPLE.COM", "backend:8080"));
    EXPECT_TRUE(policy.allows("http://localhost:3000", "backend:8080"));
    EXPECT_TRUE(policy.allows("http://localhost:3000/", "backend:8080"));
    EXPECT_FALSE(policy.allows("http://chat.example.com", "backend:8080"));  // scheme differs
    EXPECT_FALSE(policy.allows("http://localhost:3001", "backend:8080"));    // port differs
    EXPECT_FALSE(policy.allows("https://example.com", "backend:8080"));
    EXPECT_FALSE(policy.allows_all());
}

TEST(OriginPolicy, ListEntriesIgnoreCaseTrailingSlashAndDefaultPort) {
    auto policy = policy_from("HTTPS://Chat.Example.com:443/,,");
    EXPECT_TRUE(policy.allows("https://chat.example.com", "backend"));
    ASSERT_EQ(policy.allowed_origins().size(), 1u);
    EXPECT_EQ(policy.allowed_origins()[0], "https://chat.example.com:443");
}

TEST(OriginPolicy, SeveralListsAreMerged) {
    auto policy =
        OriginPolicy::from_lists({"https://a.example", "https://b.example,https://a.example"});
    ASSERT_TRUE(policy) << policy.error().message;
    EXPECT_EQ(policy->allowed_origins().size(), 2u);
    EXPECT_TRUE(policy->allows("https://b.example", "backend"));
}

TEST(OriginPolicy, StarAllowsEverything) {
    auto policy = policy_from("*");
    EXPECT_TRUE(policy.allows_all());
    EXPECT_TRUE(policy.allows("https://evil.example", "chat.example.com"));
    EXPECT_TRUE(policy.allows("null", "chat.example.com"));
    EXPECT_TRUE(policy_from("https://a.example, *").allows_all());
}

TEST(OriginPolicy, NullOriginIsRefusedUnlessStar) {
    OriginPolicy policy;
    EXPECT_FALSE(policy.allows("null", "chat.example.com"));
    EXPECT_FALSE(policy_from("https://a.example").allows("null", "chat.example.com"));
    auto listed = OriginPolicy::from_list("null");
    ASSERT_FALSE(listed);
    EXPECT_NE(listed.error().message.find("null"), std::string::npos);
}

TEST(OriginPolicy, MalformedOriginIsRefused) {
    OriginPolicy policy;
    for (const char* origin :
         {"", " ", "localhost:8080", "//localhost:8080", "http://", "http://:8080",
          "http://localhost:", "http://localhost:0", "http://localhost:65536",
          "http://localhost:80a", "http://user@localhost:8080", "http://localhost:8080/app",
          "http://localhost:8080?x", "http://localhost:8080#x", "http://local host:8080",
          "http://[::1", "http://[]:8080", "1http://localhost:8080", "http://localhost:8080//"})
        EXPECT_FALSE(policy.allows(origin, "localhost:8080")) << origin;
}

TEST(OriginPolicy, MalformedListEntryIsAnError) {
    for (const char* list : {"chat.example.com", "https://chat.example.com/app", "https://",
                             "https://a.example, ftp//b.example", "http://a.example:99999"}) {
        auto policy = OriginPolicy::from_list(list);
        ASSERT_FALSE(policy) << list;
        EXPECT_FALSE(policy.error().message.empty());
        EXPECT_EQ(policy.error().message.find('\n'), std::string::npos);
    }
}

TEST(OriginPolicy, NormalizeOrigin) {
    EXPECT_EQ(normalize_origin("HTTP://Example.COM"), "http://example.com:80");
    EXPECT_EQ(normalize_origin("https://example.com:8443/"), "https://example.com:8443");
    EXPECT_EQ(normalize_origin("chrome-extension://abcdef"), "chrome-extension://abcdef");
    EXPECT_FALSE(normalize_origin("null"));
}

}  // namespace
