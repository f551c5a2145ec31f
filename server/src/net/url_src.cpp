// Boost.URL, compiled once for the whole program: request targets, query parameters, origins and
// Redis URLs are parsed with it.
#include <boost/url/src.hpp>
