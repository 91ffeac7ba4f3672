#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <list>
#include <stdexcept>

#include "net/http_client.h"

namespace cc::testing {
namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string Reply(long status, const std::string& reason, const std::string& content_type,
                  const std::string& body, const net::Headers& extra = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  out += "Content-Type: " + content_type + "\r\n";
  for (const auto& [k, v] : extra) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return out + body;
}

constexpr char kAmzJson[] = "application/x-amz-json-1.0";

}  // namespace

std::string FaultProxy::Request::Header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (Lower(k) == lower_name) return v;
  }
  return "";
}

FaultProxy::FaultProxy(std::string upstream) : upstream_(std::move(upstream)) {
  while (!upstream_.empty() && upstream_.back() == '/') upstream_.pop_back();
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks; read back below
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 64) != 0) {
    close(listen_fd_);
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  if (accept_thread_.joinable()) accept_thread_.join();
  close(listen_fd_);
  std::map<int, std::thread> conns;
  {
    std::lock_guard<std::mutex> l(conns_mu_);
    // Still-open connections: wake their reads. Fds are closed only under
    // conns_mu_, so none of these numbers has been reused.
    for (auto& [fd, t] : conns_) shutdown(fd, SHUT_RDWR);
    conns.swap(conns_);
  }
  for (auto& [fd, t] : conns) t.join();
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> l(conns_mu_);
    finished.swap(finished_);
  }
  for (auto& t : finished) t.join();
}

void FaultProxy::LoseRepliesAfterForwarding(Fault fault, int count, std::string target_contains) {
  std::lock_guard<std::mutex> l(mu_);
  fault_ = fault;
  fault_remaining_ = count;
  fault_target_ = std::move(target_contains);
}

void FaultProxy::RewriteRequests(Rewrite rewrite) {
  std::lock_guard<std::mutex> l(mu_);
  rewrite_ = std::move(rewrite);
}

std::vector<FaultProxy::Exchange> FaultProxy::Exchanges() const {
  std::lock_guard<std::mutex> l(mu_);
  return exchanges_;
}

bool FaultProxy::TakeFault(const std::string& target, Fault& fault) {
  std::lock_guard<std::mutex> l(mu_);
  if (fault_remaining_ <= 0) return false;
  if (!fault_target_.empty() && target.find(fault_target_) == std::string::npos) return false;
  --fault_remaining_;
  fault = fault_;
  return true;
}

void FaultProxy::AcceptLoop() {
  while (!stopping_) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    std::lock_guard<std::mutex> l(conns_mu_);
    if (stopping_) {
      close(fd);
      return;
    }
    conns_[fd] = std::thread([this, fd] { Serve(fd); });
  }
}

bool FaultProxy::ReadRequest(int fd, std::string& buf, Request& out, size_t& consumed) {
  char chunk[16384];
  size_t header_end;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
  }
  std::string head = buf.substr(0, header_end);
  buf.erase(0, header_end + 4);
  size_t line_end = head.find("\r\n");
  std::string request_line = head.substr(0, line_end);
  size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  out = Request{};
  out.method = request_line.substr(0, sp1);
  out.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  for (size_t pos = line_end; pos != std::string::npos && pos < head.size();) {
    size_t start = pos + 2;
    size_t next = head.find("\r\n", start);
    std::string line = head.substr(start, next == std::string::npos ? next : next - start);
    pos = next;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    out.headers.emplace_back(line.substr(0, colon), value);
  }
  size_t length = 0;
  if (std::string cl = out.Header("content-length"); !cl.empty()) length = std::stoul(cl);
  while (buf.size() < length) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
  }
  out.body = buf.substr(0, length);
  buf.erase(0, length);
  consumed = header_end + 4 + length;
  return true;
}

void FaultProxy::Serve(int fd) {
  std::string buf;
  Request req;
  size_t consumed = 0;
  while (!stopping_ && ReadRequest(fd, buf, req, consumed)) {
    bytes_from_clients_ += consumed;
    const std::string target = req.Header("x-amz-target");
    std::string out;
    // One request per connection: libcurl re-sends a request by itself when a
    // reused connection dies before the reply; with fresh connections every
    // retry the upstream sees is the client's own, and tests can count them.
    const bool close_after = true;
    if (down_) {
      refused_++;
      out = Reply(503, "Service Unavailable", kAmzJson,
                  R"({"__type":"com.amazon.coral.availability#ServiceUnavailableException",)"
                  R"("message":"injected outage"})");
    } else if (throttle_remaining_.fetch_sub(1) > 0) {
      throttled_++;
      out = Reply(400, "Bad Request", kAmzJson,
                  R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",)"
                  R"("message":"Rate of requests exceeds the allowed throughput."})");
    } else {
      throttle_remaining_ = 0;
      net::HttpRequest fwd;
      fwd.method = req.method;
      fwd.url = upstream_ + req.path;
      {
        std::lock_guard<std::mutex> l(mu_);
        fwd.body = rewrite_ ? rewrite_(target, req.body) : req.body;
      }
      for (const auto& [k, v] : req.headers) {
        std::string lower = Lower(k);
        // Host stays the one the client signed (SigV4 covers it).
        if (lower == "content-length" || lower == "connection" || lower == "expect" ||
            lower == "transfer-encoding")
          continue;
        fwd.headers.emplace_back(k, v);
      }
      auto r = net::Send(fwd);
      forwarded_++;
      Exchange ex{target, fwd.body, r.ok() ? r->status : 0, false};
      Fault fault;
      if (TakeFault(target, fault)) {
        ex.reply_lost = true;
        replies_lost_++;
        {
          std::lock_guard<std::mutex> l(mu_);
          exchanges_.push_back(std::move(ex));
        }
        if (fault == Fault::kBrokenResponse && r.ok()) {
          std::string partial = "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(kAmzJson) +
                                "\r\nContent-Length: " + std::to_string(r->body.size() + 100) +
                                "\r\n\r\n" + r->body.substr(0, r->body.size() / 2);
          bytes_to_clients_ += partial.size();  // before: the client may act on it at once
          WriteAll(fd, partial);
        }
        break;  // close the connection: the reply is lost
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        exchanges_.push_back(ex);
      }
      if (!r.ok()) {
        out = Reply(502, "Bad Gateway", "text/plain", r.status().ToString());
      } else {
        net::Headers extra;
        for (const auto& [k, v] : r->headers) {
          if (k.rfind("x-amz", 0) == 0) extra.emplace_back(k, v);
        }
        std::string type = r->Header("content-type");
        out =
            Reply(r->status, "Upstream", type.empty() ? "application/json" : type, r->body, extra);
      }
    }
    out.insert(out.find("\r\n") + 2, "Connection: close\r\n");
    bytes_to_clients_ += out.size();  // before writing: the client may act on it at once
    if (!WriteAll(fd, out) || close_after) break;
  }
  std::lock_guard<std::mutex> l(conns_mu_);
  shutdown(fd, SHUT_RDWR);
  close(fd);
  // This thread cannot join itself: hand it over for the destructor to join.
  auto it = conns_.find(fd);
  if (it != conns_.end()) {
    finished_.push_back(std::move(it->second));
    conns_.erase(it);
  }
}

}  // namespace cc::testing
