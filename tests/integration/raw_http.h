// What HTTP tests need that a library client hides: raw TCP connections that
// send partial heads, pipelined requests, hostile bytes or nothing at all,
// and a server started on port 0 whose bound ports are read from its log.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/harness.h"

namespace cc::testing {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  bool Has(std::string_view text) const { return head.find(text) != std::string::npos; }
};

class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Close();
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view bytes) {
    while (fd_ >= 0 && !bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return fd_ >= 0;
  }

  // Reads until `count` whole responses (framed by Content-Length) arrived,
  // the peer closed, or the timeout passed.
  std::vector<RawResponse> Read(size_t count, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<RawResponse> out;
    while (out.size() < count) {
      if (TakeResponse(out)) continue;
      if (!Wait(deadline)) break;
      char buf[16384];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      pending_.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  // True when the peer closes (EOF or reset) before the timeout.
  bool PeerClosed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Wait(deadline)) {
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
    return false;
  }

  // Something to read (or a close) right now?
  bool Readable() {
    pollfd p{fd_, POLLIN, 0};
    return fd_ >= 0 && poll(&p, 1, 0) > 0;
  }

 private:
  bool Wait(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (fd_ < 0 || left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(left.count())) > 0;
  }

  bool TakeResponse(std::vector<RawResponse>& out) {
    size_t end = pending_.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    RawResponse r;
    r.head = pending_.substr(0, end + 2);
    r.status = r.head.size() > 12 ? std::atoi(r.head.c_str() + 9) : 0;
    std::smatch m;
    static const std::regex kLength("[Cc]ontent-[Ll]ength: *([0-9]+)");
    size_t length = std::regex_search(r.head, m, kLength) ? std::stoul(m[1]) : 0;
    if (pending_.size() < end + 4 + length) return false;
    r.body = pending_.substr(end + 4, length);
    pending_.erase(0, end + 4 + length);
    out.push_back(std::move(r));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
};

// Lets one test process hold thousands of sockets.
inline void RaiseOpenFileLimit() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

// Resident memory of a process in KiB (VmRSS), 0 when unknown.
inline long ResidentKib(int pid) {
  std::string status = ReadFile("/proc/" + std::to_string(pid) + "/status");
  size_t at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::atol(status.c_str() + at + 6);
}

// The ports a server bound, from its `listening` log line (0 when absent).
struct BoundPorts {
  int http = 0;
  int https = 0;
  int metrics = 0;
};

inline BoundPorts ParseListeningLine(const std::string& log) {
  BoundPorts p;
  std::smatch m;
  static const std::regex kLine(
      "msg=listening http=127\\.0\\.0\\.1:([0-9]+) https=(?:127\\.0\\.0\\.1:([0-9]+)|disabled) "
      "metrics=127\\.0\\.0\\.1:([0-9]+)");
  if (!std::regex_search(log, m, kLine)) return p;
  p.http = std::stoi(m[1]);
  p.https = m[2].matched ? std::stoi(m[2]) : 0;
  p.metrics = std::stoi(m[3]);
  return p;
}

// A server whose config binds every listener to port 0.
class PortZeroServer {
 public:
  // `server_yaml` goes inside `server: { ... }`; `extra_yaml` adds sections.
  PortZeroServer(const TempDir& dir, const std::string& server_yaml = "",
                 const std::string& extra_yaml = "", std::map<std::string, std::string> env = {}) {
    dir.Write("config.yaml", "server: { listen_address: 127.0.0.1, listen_port: 0" +
                                 (server_yaml.empty() ? "" : ", " + server_yaml) +
                                 " }\nmetrics: { listen_address: 127.0.0.1, listen_port: 0 }\n"
                                 "signer_state: { backend: sqlite, path: " +
                                 dir.File("state.db") + " }\n" + extra_yaml);
    process = std::make_unique<ServerProcess>(
        std::vector<std::string>{"server", "-c", dir.File("config.yaml")}, std::move(env),
        dir.File("server.log"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline && process->Running()) {
      ports = ParseListeningLine(process->Log());
      if (ports.http) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  bool ready() const { return ports.http != 0; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(ports.http) + path;
  }

  std::unique_ptr<ServerProcess> process;
  BoundPorts ports;
};

}  // namespace cc::testing
