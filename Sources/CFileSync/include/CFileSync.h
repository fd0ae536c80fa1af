// syncfs(2) is a GNU extension that Swift's Glibc module does not export.
#ifndef CFILESYNC_H
#define CFILESYNC_H
/// Flushes the whole filesystem holding `fd` to stable storage: one device flush for a batch of
/// object files instead of one fsync each.
int iopo_syncfs(int fd);
#endif
