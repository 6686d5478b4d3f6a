package com.example.sessiondemo.auth;

import jakarta.servlet.http.HttpSession;

/** The logged-in user is the {@code user} attribute of the HTTP session (a String, JDK-serialized in Redis). */
public final class SessionUser {

  public static final String ATTRIBUTE = "user";

  private SessionUser() {}

  public static String of(HttpSession session) {
    return session == null ? null : (String) session.getAttribute(ATTRIBUTE);
  }
}
