// Redis Cluster client: which argument routes a command, which errors mean "unavailable", and
// the --redis list of nodes.
#include <gtest/gtest.h>

#include "redis/cluster/routing.hpp"
#include "redis/url.hpp"

namespace parley::redis::cluster {
namespace {

std::optional<std::string> routing_key(std::vector<std::string> args) {
    auto route = route_of(args);
    if (route.kind != Route::Kind::key) return std::nullopt;
    return args.at(route.key);
}

TEST(RedisClusterRouting, AKeyedCommandIsRoutedByItsFirstArgument) {
    EXPECT_EQ(routing_key({"HGETALL", "parley:account:ann"}), "parley:account:ann");
    EXPECT_EQ(routing_key({"incr", "counter"}), "counter");
    EXPECT_EQ(routing_key({"XACK", "parley:outbox:{w}", "group", "1-0"}), "parley:outbox:{w}");
    EXPECT_EQ(routing_key({"XAUTOCLAIM", "s", "g", "c", "0", "0-0"}), "s");
}

TEST(RedisClusterRouting, XgroupAndXinfoAreRoutedByTheArgumentAfterTheSubcommand) {
    EXPECT_EQ(routing_key({"XINFO", "GROUPS", "parley:outbox"}), "parley:outbox");
    EXPECT_EQ(routing_key({"xgroup", "CREATE", "stream", "g", "$", "MKSTREAM"}), "stream");
    EXPECT_EQ(route_of({"XINFO", "HELP"}).kind, Route::Kind::any);  // no key at all
}

TEST(RedisClusterRouting, ScriptsAreRoutedByTheirFirstKeyOrGoAnywhereWithNone) {
    EXPECT_EQ(routing_key({"EVALSHA", "abc", "2", "{c}:seq", "{c}:events", "arg"}), "{c}:seq");
    EXPECT_EQ(routing_key({"EVAL", "return 1", "1", "k"}), "k");
    EXPECT_EQ(route_of({"EVALSHA", "abc", "0", "arg"}).kind, Route::Kind::any);
    EXPECT_EQ(route_of({"EVALSHA", "abc", "x"}).kind, Route::Kind::any);
    EXPECT_EQ(route_of({"EVALSHA", "abc"}).kind, Route::Kind::any);
}

TEST(RedisClusterRouting, StreamsReadsAreRoutedByTheFirstStream) {
    EXPECT_EQ(routing_key({"XREAD", "COUNT", "5", "STREAMS", "s1", "0"}), "s1");
    EXPECT_EQ(routing_key({"XREADGROUP", "GROUP", "g", "c", "streams", "s2", ">"}), "s2");
}

TEST(RedisClusterRouting, KeylessCommandsGoToAnyMasterAndWaitToEvery) {
    EXPECT_EQ(route_of({"PUBLISH", "parley:bus", "x"}).kind, Route::Kind::any);
    EXPECT_EQ(route_of({"PING"}).kind, Route::Kind::any);
    EXPECT_EQ(route_of({"script", "LOAD", "return 1"}).kind, Route::Kind::any);
    EXPECT_EQ(route_of({"CLUSTER", "SLOTS"}).kind, Route::Kind::any);
    EXPECT_EQ(route_of({"WAIT", "1", "100"}).kind, Route::Kind::every);
    EXPECT_EQ(route_of({"wait", "1", "100"}).kind, Route::Kind::every);
    EXPECT_EQ(route_of({}).kind, Route::Kind::any);
    EXPECT_EQ(route_of({"GET"}).kind, Route::Kind::any);  // malformed: Redis will say so
}

TEST(RedisClusterRouting, OnlyClusterTroubleCountsAsUnavailable) {
    EXPECT_TRUE(is_unavailable("TRYAGAIN Multiple keys request during rehashing of slot"));
    EXPECT_TRUE(is_unavailable("CLUSTERDOWN The cluster is down"));
    EXPECT_TRUE(is_unavailable("MASTERDOWN Link with MASTER is down"));
    EXPECT_FALSE(is_unavailable("MOVED 3999 127.0.0.1:6381"));
    EXPECT_FALSE(is_unavailable("WRONGTYPE Operation against a key holding the wrong kind"));
    EXPECT_FALSE(is_unavailable("TRYAGAINX"));
    EXPECT_FALSE(is_unavailable("ERR CLUSTERDOWN"));
}

TEST(RedisUrls, OneNodeIsOneRedisWithItsDatabase) {
    auto one = parse_urls("redis://redis:6380/2");
    ASSERT_TRUE(one) << one.error().message;
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ((*one)[0].host, "redis");
    EXPECT_EQ((*one)[0].port, 6380);
    EXPECT_EQ((*one)[0].db, 2);
    auto bare = parse_urls("redis://localhost");
    ASSERT_TRUE(bare);
    EXPECT_EQ((*bare)[0].port, 6379);
}

TEST(RedisUrls, SeveralNodesAreAClusterInTheOrderGiven) {
    auto nodes = parse_urls("redis://10.0.0.1:7000,10.0.0.2,redis-3:7002");
    ASSERT_TRUE(nodes) << nodes.error().message;
    ASSERT_EQ(nodes->size(), 3u);
    EXPECT_EQ((*nodes)[0].host, "10.0.0.1");
    EXPECT_EQ((*nodes)[0].port, 7000);
    EXPECT_EQ((*nodes)[1].host, "10.0.0.2");
    EXPECT_EQ((*nodes)[1].port, 6379);
    EXPECT_EQ((*nodes)[2].host, "redis-3");
    EXPECT_EQ((*nodes)[2].port, 7002);
    for (const auto& node : *nodes) EXPECT_EQ(node.db, 0);
    EXPECT_TRUE(parse_urls("redis://a:1,b:2/0"));  // database 0 said out loud
}

TEST(RedisUrls, AClusterListRefusesADatabaseAndMalformedNodesWithAReason) {
    auto db = parse_urls("redis://a:7000,b:7001/3");
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message, "a Redis Cluster has database 0 only: drop /3");
    auto empty = parse_urls("redis://a:7000,,b:7001");
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
    EXPECT_FALSE(parse_urls("redis://a:7000,"));
    auto port = parse_urls("redis://a:7000,b:99999");
    ASSERT_FALSE(port);
    EXPECT_EQ(port.error().message, "b:99999: the port must be a number from 1 to 65535");
    EXPECT_FALSE(parse_urls("redis://a:1,user:pw@b:2"));
    EXPECT_FALSE(parse_urls("redis://a:1,b:2?x=1"));
    EXPECT_FALSE(parse_urls("http://a:1,b:2"));
    EXPECT_FALSE(parse_urls(""));
}

}  // namespace
}  // namespace parley::redis::cluster
