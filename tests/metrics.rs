//! `imcache metrics` against real servers (tests land with the command).
