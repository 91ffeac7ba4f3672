// Method + path pattern → handler. A pattern is a list of segments: literal
// text, `{name}` (one non-empty segment, handed to the handler in
// path_params) or a final `*` (the rest of the path). Each route says where it
// runs: inline on an I/O thread (cheap answers that never block: liveness,
// readiness, status, metrics) or on the bounded worker pool (anything that may
// call a KMS, Argon2 or the state backend). The matched pattern is the
// route's metrics label, so label cardinality is bounded by the route table.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_message.h"

namespace cc::api {

enum class Execution { kInline, kWorker };

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  std::string method;
  std::string pattern;
  Execution execution;
  Handler handler;
  std::vector<std::string> segments;  // the pattern split on '/'
};

struct RouteMatch {
  const Route* route = nullptr;  // null when nothing matched
  // When only the method was wrong: the methods the path accepts ("GET, POST").
  std::string allowed_methods;
  std::map<std::string, std::string> params;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Execution execution, Handler handler);
  RouteMatch Find(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace cc::api
