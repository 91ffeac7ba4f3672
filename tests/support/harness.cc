#include "support/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cc::testing {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds every) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

std::vector<std::string> SanitizerReports(const std::string& log) {
  static const char* kMarkers[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                   "WARNING: ThreadSanitizer",
                                   "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer"};
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < log.size()) {
    size_t end = log.find('\n', pos);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(pos, end - pos);
    for (const char* m : kMarkers) {
      if (line.find(m) == std::string::npos) continue;
      size_t next_end = end < log.size() ? log.find('\n', end + 1) : std::string::npos;
      std::string next =
          end < log.size()
              ? log.substr(end + 1,
                           (next_end == std::string::npos ? log.size() : next_end) - end - 1)
              : "";
      out.push_back(line + (next.empty() ? "" : "\n    " + next));
      break;
    }
    pos = end + 1;
  }
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cc-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::Write(const std::string& name, const std::string& content) const {
  std::ofstream(File(name), std::ios::binary | std::ios::trunc) << content;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

pid_t Spawn(const std::string& binary, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, int out_fd, int err_fd) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  int devnull = open("/dev/null", O_RDONLY);
  dup2(devnull, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  std::vector<char*> argv;
  std::string bin = binary;
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp(bin.c_str(), argv.data());
  _exit(127);
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

}  // namespace

CommandResult RunCli(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env) {
  TempDir dir;
  int out = open(dir.File("out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err = open(dir.File("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = Spawn(CC_BINARY, args, env, out, err);
  close(out);
  close(err);
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result{DecodeStatus(status), ReadFile(dir.File("out")), ReadFile(dir.File("err"))};
  for (const std::string& report : SanitizerReports(result.err)) {
    ADD_FAILURE() << "sanitizer report from `containment-chamber " << (args.empty() ? "" : args[0])
                  << "`: " << report << "\nfull stderr:\n"
                  << result.err;
  }
  return result;
}

ChildProcess::ChildProcess(const std::string& binary, std::vector<std::string> args,
                           std::map<std::string, std::string> env, std::string log_path)
    : log_path_(std::move(log_path)) {
  int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  struct stat st {};
  if (fstat(fd, &st) == 0) log_offset_ = static_cast<size_t>(st.st_size);
  pid_ = Spawn(binary, args, env, fd, fd);
  close(fd);
}

ServerProcess::ServerProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                             std::string log_path, const std::string& binary)
    : ChildProcess(binary, std::move(args), std::move(env), std::move(log_path)) {}

ServerProcess::~ServerProcess() { StopAndCheckSanitizers(); }
CheckedProcess::~CheckedProcess() { StopAndCheckSanitizers(); }

void ChildProcess::StopAndCheckSanitizers() {
  // An idle keep-alive connection from this thread would hold the server's
  // graceful shutdown for its idle timeout (5 s): close ours first.
  net::CloseIdleConnections();
  if (pid_ > 0 && Running()) {
    kill(pid_, SIGTERM);
    if (Wait(std::chrono::seconds(20)) == -1000) {
      ADD_FAILURE() << log_path_ << " (pid " << pid_
                    << ") did not exit within 20 s of SIGTERM; killed, so LeakSanitizer did not "
                       "run in it";
      Stop(SIGKILL);
    }
  }
  const std::string own = OwnLog();
  for (const std::string& report : SanitizerReports(own)) {
    // The whole report (stack and allocation sites), since CI keeps no temp dirs.
    size_t at = own.find(report.substr(0, report.find('\n')));
    ADD_FAILURE() << "sanitizer report in " << log_path_ << " (pid " << pid_ << "): " << report
                  << "\nreport:\n"
                  << own.substr(at == std::string::npos ? 0 : at, 8000);
  }
}

std::string ChildProcess::OwnLog() const {
  std::string log = Log();
  return log.size() > log_offset_ ? log.substr(log_offset_) : "";
}

int ChildProcess::pid() const { return pid_; }

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && Running()) Stop(SIGKILL);
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  if (exit_status_ != -1000) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = DecodeStatus(status);
    return false;
  }
  return true;
}

bool ChildProcess::WaitReady(int http_port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return false;
    net::HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(http_port) + "/upcheck";
    req.timeout_ms = 500;
    auto res = net::Send(req);
    if (res.ok() && res->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int ChildProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_status_;
}

void ChildProcess::Signal(int signal_number) {
  if (Running()) kill(pid_, signal_number);
}

int ChildProcess::Stop(int signal_number, std::chrono::milliseconds timeout) {
  if (signal_number != SIGKILL) net::CloseIdleConnections();  // see StopAndCheckSanitizers
  if (Running()) kill(pid_, signal_number);
  int rc = Wait(timeout);
  if (rc == -1000) {
    kill(pid_, SIGKILL);
    rc = Wait(std::chrono::seconds(5));
  }
  return rc;
}

std::string ChildProcess::Log() const { return ReadFile(log_path_); }

net::HttpResponse Get(const std::string& url, const net::Headers& headers) {
  net::HttpRequest req;
  req.url = url;
  req.headers = headers;
  auto res = net::Send(req);
  if (!res.ok()) throw std::runtime_error(res.status().ToString());
  return *res;
}

net::HttpResponse Post(const std::string& url, const std::string& body,
                       const net::Headers& headers) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.body = body;
  req.headers = headers;
  req.headers.emplace_back("Content-Type", "application/json");
  auto res = net::Send(req);
  if (!res.ok()) throw std::runtime_error(res.status().ToString());
  return *res;
}

net::HttpResponse Delete(const std::string& url, const net::Headers& headers) {
  net::HttpRequest req;
  req.method = "DELETE";
  req.url = url;
  req.headers = headers;
  auto res = net::Send(req);
  if (!res.ok()) throw std::runtime_error(res.status().ToString());
  return *res;
}

}  // namespace cc::testing
