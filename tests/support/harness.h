// Helpers for integration tests: real server processes on free loopback
// ports, CLI invocations as real processes, temporary directories.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace cc::testing {

// A port that was free a moment ago (bind to 0, read back, close).
int FreePort();

// A fresh directory under $TMPDIR, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the containment-chamber binary to completion.
CommandResult RunCli(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env = {});

// A child process (binary looked up on PATH unless absolute); stdout and
// stderr go to a log file. Killed with SIGKILL if still running at destruction.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary, std::vector<std::string> args,
               std::map<std::string, std::string> env, std::string log_path);
  virtual ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  int pid() const;

  // Waits until GET url/upcheck answers 200 or the process exits.
  bool WaitReady(int http_port, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Sends a signal and waits for exit; returns the exit status (or -signal).
  int Stop(int signal_number = 15, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Waits for the process to exit on its own (config errors and the like).
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  bool Running();
  std::string Log() const;

 protected:
  pid_t pid_ = -1;
  int exit_status_ = -1000;
  std::string log_path_;
};

// A containment-chamber server process.
class ServerProcess : public ChildProcess {
 public:
  ServerProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                std::string log_path, const std::string& binary = CC_BINARY);
};

net::HttpResponse Get(const std::string& url, const net::Headers& headers = {});
net::HttpResponse Post(const std::string& url, const std::string& body,
                       const net::Headers& headers = {});

}  // namespace cc::testing
