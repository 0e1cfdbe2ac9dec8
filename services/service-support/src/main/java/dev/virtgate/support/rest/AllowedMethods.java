package dev.virtgate.support.rest;

import io.quarkus.arc.Arc;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;

/**
 * The HTTP methods the application's resources answer on a path, for the {@code Allow} header of
 * a 405 (Quarkus REST answers 405 without one). Read once from the resource classes' JAX-RS
 * annotations; HEAD comes with GET and OPTIONS is always answered, as Quarkus REST does.
 */
public final class AllowedMethods {
    private static volatile List<Route> routes;

    private record Route(java.util.regex.Pattern path, String method) {
    }

    /** The methods allowed on {@code path} (as UriInfo.getPath() gives it), sorted. */
    public static Set<String> on(String path) {
        Set<String> allowed = new TreeSet<>();
        for (Route route : routes()) {
            if (route.path().matcher(path).matches()) {
                allowed.add(route.method());
            }
        }
        if (allowed.contains("GET")) {
            allowed.add("HEAD");
        }
        if (!allowed.isEmpty()) {
            allowed.add("OPTIONS");
        }
        return allowed;
    }

    private static List<Route> routes() {
        if (routes == null) {
            List<Route> found = new ArrayList<>();
            for (Bean<?> bean : Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)) {
                Path classPath = bean.getBeanClass().getAnnotation(Path.class);
                if (classPath != null) {
                    addRoutes(found, bean.getBeanClass(), classPath.value());
                }
            }
            routes = List.copyOf(found);
        }
        return routes;
    }

    private static void addRoutes(List<Route> found, Class<?> resource, String classPath) {
        for (Method method : resource.getMethods()) {
            String httpMethod = httpMethodOf(method);
            if (httpMethod != null) {
                Path methodPath = method.getAnnotation(Path.class);
                String template = join(classPath, methodPath == null ? "" : methodPath.value());
                found.add(new Route(java.util.regex.Pattern.compile(regex(template)), httpMethod));
            }
        }
    }

    private static String httpMethodOf(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    private static String join(String classPath, String methodPath) {
        String joined = "/" + classPath + "/" + methodPath;
        joined = joined.replaceAll("/+", "/");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }

    /** {@code /v1/hosts/{id}} becomes {@code /v1/hosts/[^/]+}; {@code {x: regex}} keeps its regex. */
    static String regex(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher param = java.util.regex.Pattern.compile("\\{\\s*\\w[\\w.-]*\\s*(?::\\s*((?:[^{}]|\\{[^{}]*})*))?}")
                .matcher(template);
        int last = 0;
        while (param.find()) {
            regex.append(java.util.regex.Pattern.quote(template.substring(last, param.start())));
            regex.append('(').append(param.group(1) == null ? "[^/]+" : param.group(1).trim()).append(')');
            last = param.end();
        }
        regex.append(java.util.regex.Pattern.quote(template.substring(last)));
        return regex + "/?";
    }

    private AllowedMethods() {
    }
}
