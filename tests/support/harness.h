// Helpers for integration tests: real server processes on free loopback
// ports, CLI invocations as real processes, temporary directories.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace cc::testing {

// A port that was free a moment ago (bind to 0, read back, close). Only for
// servers that cannot bind port 0 and report it (DynamoDB Local, the signer
// until it logs its ports): retry with another port when the bind fails.
int FreePort();

// Polls `condition` every `every` until it holds or `timeout` passes; returns
// whether it held. The one way tests wait (never a fixed sleep and one look).
bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds every = std::chrono::milliseconds(20));

// The lines of `log` that report a sanitizer finding (AddressSanitizer,
// LeakSanitizer, UndefinedBehaviorSanitizer, ThreadSanitizer), with the line
// after each for context. Empty when there is none.
std::vector<std::string> SanitizerReports(const std::string& log);

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

// Runs the containment-chamber binary to completion. A sanitizer report in
// its output fails the current test.
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
  // Sends a signal without waiting (e.g. to stop several servers at once).
  void Signal(int signal_number);
  // Sends a signal and waits for exit; returns the exit status (or -signal).
  int Stop(int signal_number = 15, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Waits for the process to exit on its own (config errors and the like).
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  bool Running();
  std::string Log() const;
  // What this process wrote (the log file may hold earlier runs before it).
  std::string OwnLog() const;

 protected:
  // Stops the process with SIGTERM, so LeakSanitizer runs in it, then fails
  // the current test on any sanitizer report in its output, or if it did not
  // exit within 20 s (it is then killed). For programs built from this project.
  void StopAndCheckSanitizers();

  pid_t pid_ = -1;
  int exit_status_ = -1000;
  std::string log_path_;
  size_t log_offset_ = 0;  // size of the log file when this process started
};

// A containment-chamber server process. At destruction it is stopped with
// SIGTERM and its output is checked for sanitizer reports (a finding fails
// the test that owned the process).
class ServerProcess : public ChildProcess {
 public:
  ServerProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                std::string log_path, const std::string& binary = CC_BINARY);
  ~ServerProcess() override;
};

// Any program built by this project (test helpers): stopped and checked like
// a ServerProcess.
class CheckedProcess : public ChildProcess {
 public:
  using ChildProcess::ChildProcess;
  ~CheckedProcess() override;
};

net::HttpResponse Get(const std::string& url, const net::Headers& headers = {});
net::HttpResponse Post(const std::string& url, const std::string& body,
                       const net::Headers& headers = {});
net::HttpResponse Delete(const std::string& url, const net::Headers& headers = {});

}  // namespace cc::testing
