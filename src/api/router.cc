#include "api/router.h"

namespace cc::api {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool Matches(const Route& route, std::string_view path,
             std::map<std::string, std::string>* params) {
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want == "*" && i + 1 == route.segments.size()) return true;
    size_t slash = path.find('/');
    std::string_view got = path.substr(0, slash);
    bool last = i + 1 == route.segments.size();
    if (last != (slash == std::string_view::npos)) return false;
    if (IsParam(want)) {
      if (got.empty()) return false;
      if (params) (*params)[want.substr(1, want.size() - 2)] = std::string(got);
    } else if (got != want) {
      return false;
    }
    path = last ? std::string_view() : path.substr(slash + 1);
  }
  return true;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Execution execution, Handler handler) {
  Route r{std::move(method), std::move(pattern), execution, std::move(handler), {}};
  r.segments = SplitPath(r.pattern);
  routes_.push_back(std::move(r));
}

RouteMatch Router::Find(std::string_view method, std::string_view path) const {
  RouteMatch m;
  for (const auto& route : routes_) {
    if (route.method != method) continue;
    if (Matches(route, path, &m.params)) {
      m.route = &route;
      return m;
    }
    m.params.clear();
  }
  for (const auto& route : routes_) {
    if (!Matches(route, path, nullptr)) continue;
    if (m.allowed_methods.find(route.method) != std::string::npos) continue;
    m.allowed_methods += (m.allowed_methods.empty() ? "" : ", ") + route.method;
  }
  return m;
}

}  // namespace cc::api
