package com.example.sessiondemo.feed;

/** The feed's Redis keys. */
public final class FeedKeys {

  /** String: the publishing instance's token, with a PX lease. */
  public static final String LOCK = "feed:publisher";

  /** String (integer): the last sequence number handed out (INCR). */
  public static final String SEQUENCE = "feed:sequence";

  /** Stream: one entry per event, id {@code <sequence>-0}, fields sequence, timestamp, payload. */
  public static final String STREAM = "feed:events";

  private FeedKeys() {}
}
