package com.example.sessiondemo.auth;

import com.example.sessiondemo.AppProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/auth")
public class AuthController {

  private static final Pattern USERNAME = Pattern.compile("^[a-z0-9-]{1,64}$");

  public record Credentials(String username, String password) {}

  public record Me(String name) {}

  private final String password;
  private final LogoutHandler logoutHandler;

  public AuthController(AppProperties properties, LogoutHandler logoutHandler) {
    this.password = properties.userPassword();
    this.logoutHandler = logoutHandler;
  }

  @PostMapping("/login")
  public ResponseEntity<?> login(@RequestBody Credentials credentials, HttpServletRequest request) {
    if (!valid(credentials)) {
      return unauthorized("invalid credentials");
    }
    if (request.getSession(false) != null) {
      request.changeSessionId(); // no session fixation: a new id for the logged-in session
    }
    request.getSession().setAttribute(SessionUser.ATTRIBUTE, credentials.username());
    return ResponseEntity.ok(new Me(credentials.username()));
  }

  @GetMapping("/me")
  public ResponseEntity<?> me(HttpServletRequest request) {
    String user = SessionUser.of(request.getSession(false));
    return user == null ? unauthorized("unauthenticated") : ResponseEntity.ok(new Me(user));
  }

  @PostMapping("/logout")
  public ResponseEntity<?> logout(HttpServletRequest request, HttpServletResponse response) {
    HttpSession session = request.getSession(false);
    if (SessionUser.of(session) == null) {
      return unauthorized("unauthenticated");
    }
    logoutHandler.logout(request, response);
    return ResponseEntity.noContent().build();
  }

  private boolean valid(Credentials credentials) {
    return credentials != null
        && credentials.username() != null
        && credentials.password() != null
        && password != null
        && !password.isEmpty()
        && USERNAME.matcher(credentials.username()).matches()
        && MessageDigest.isEqual(
            credentials.password().getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
  }

  private static ResponseEntity<Map<String, String>> unauthorized(String error) {
    return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("error", error));
  }
}
