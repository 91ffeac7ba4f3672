// A mutex whose lock rules the compiler checks. Clang's -Wthread-safety
// proves every access to a GUARDED_BY member happens under its mutex and
// every REQUIRES function is called with it held (CI builds with it as an
// error); other compilers see plain std::mutex. libstdc++'s own mutex
// carries no annotations, hence this wrapper.
#pragma once

#include <mutex>

#if defined(__clang__)
#define CC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CC_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) CC_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY CC_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) CC_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) CC_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) CC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) CC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) CC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) CC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) CC_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS CC_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace cc {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  std::mutex mu_;
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace cc
