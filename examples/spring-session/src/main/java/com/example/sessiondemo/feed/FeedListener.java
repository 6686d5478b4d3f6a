package com.example.sessiondemo.feed;

/** Receives every feed event this instance reads from the stream, in order. */
public interface FeedListener {

  void onEvent(FeedEvent event);
}
