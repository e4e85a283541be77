//! Who a GPU process is: its user and command line from /proc, and whether
//! it is kftui's own user's. Users and commands are cached per pid and
//! forgotten once the pid leaves every device.

use std::collections::HashMap;

/// What /proc says about one process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    pub user: Option<String>,
    pub command: Option<String>,
    pub own: bool,
}

#[derive(Debug, Default)]
pub struct ProcCache {
    own_uid: Option<Option<u32>>,
    users: HashMap<u32, String>,
    users_read: bool,
    by_pid: HashMap<u32, Who>,
}

/// The real uid in a /proc/PID/status text.
pub fn uid_in_status(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|u| u.parse().ok())
}

/// A /proc/PID/cmdline (NUL-separated) as one line, the program by its
/// file name (`/usr/bin/python3 train.py` is `python3 train.py`): the
/// arguments are what tells one job from another in a narrow column.
pub fn command_line(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let mut words: Vec<&str> = text.split('\0').filter(|w| !w.is_empty()).collect();
    if let Some(first) = words.first_mut()
        && let Some((_, name)) = first.rsplit_once('/')
        && !name.is_empty()
    {
        *first = name;
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// uid -> name from /etc/passwd text.
pub fn passwd_users(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let uid = f.nth(1)?.parse().ok()?;
            Some((uid, name.to_string()))
        })
        .collect()
}

impl ProcCache {
    fn own_uid(&mut self) -> Option<u32> {
        *self.own_uid.get_or_insert_with(|| {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| uid_in_status(&s))
        })
    }

    fn user_name(&mut self, uid: u32) -> String {
        if !self.users_read {
            self.users_read = true;
            self.users = std::fs::read_to_string("/etc/passwd")
                .map(|t| passwd_users(&t))
                .unwrap_or_default();
        }
        self.users
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| uid.to_string())
    }

    pub fn lookup(&mut self, pid: u32) -> Who {
        if let Some(w) = self.by_pid.get(&pid) {
            return w.clone();
        }
        let uid = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| uid_in_status(&s));
        let command = std::fs::read(format!("/proc/{pid}/cmdline"))
            .ok()
            .and_then(|raw| command_line(&raw))
            .or_else(|| {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .ok()
                    .map(|c| format!("[{}]", c.trim()))
            });
        let own_uid = self.own_uid();
        let who = Who {
            user: uid.map(|u| self.user_name(u)),
            command,
            own: uid.is_some() && uid == own_uid,
        };
        // A process /proc does not show (gone, or another pid namespace) is
        // asked again next time.
        if uid.is_some() {
            self.by_pid.insert(pid, who.clone());
        }
        who
    }

    pub fn retain(&mut self, keep: impl Fn(u32) -> bool) {
        self.by_pid.retain(|pid, _| keep(*pid));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_texts_parse() {
        assert_eq!(
            uid_in_status("Name:\tpython\nUid:\t1000\t1000\t1000\t1000\n"),
            Some(1000)
        );
        assert_eq!(uid_in_status("Name: x\n"), None);
        assert_eq!(
            command_line(b"python\0train.py\0--lr\x000.1\0").as_deref(),
            Some("python train.py --lr 0.1")
        );
        assert_eq!(command_line(b""), None);
        assert_eq!(
            command_line(b"/usr/bin/python3\0/data/train.py\0").as_deref(),
            Some("python3 /data/train.py")
        );
        let users = passwd_users(
            "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\nbad\n",
        );
        assert_eq!(users.get(&1000).map(String::as_str), Some("alice"));
        assert_eq!(users.get(&0).map(String::as_str), Some("root"));
        assert_eq!(users.len(), 2);
    }

    #[test]
    fn this_process_is_our_own() {
        let mut cache = ProcCache::default();
        let me = cache.lookup(std::process::id());
        assert!(me.own);
        assert!(me.user.is_some());
        assert!(me.command.is_some());
        cache.retain(|_| false);
        assert!(cache.by_pid.is_empty());
    }
}
