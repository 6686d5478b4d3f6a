package com.example.sessiondemo.auth;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** What logging out does to the session and the cookie (named after Spring Security's interface of the same job). */
public interface LogoutHandler {

  void logout(HttpServletRequest request, HttpServletResponse response);
}
