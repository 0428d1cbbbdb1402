package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API fence: the public surface of the packages {@code module-info.java} exports is the one
 * committed in {@code api/p2p4j-core.api}, and it names no type of a package the module keeps
 * internal. A change of the surface fails the build with the lines added and removed; when the
 * change is intended, regenerate the file and commit it with the change:
 * {@code mvn -pl core test -Dtest=ApiSurfaceTest -Dapi.update=true}.
 */
class ApiSurfaceTest {

    /** Relative to the module's directory, where surefire runs the tests. */
    private static final Path API_FILE = Path.of("api", "p2p4j-core.api");

    @Test
    void publicSurfaceMatchesTheCommittedApiFile() throws Exception {
        List<String> current = surface();
        if (Boolean.getBoolean("api.update")) {
            Files.createDirectories(API_FILE.getParent());
            Files.write(API_FILE, current, StandardCharsets.UTF_8);
            return;
        }
        assertThat(API_FILE).as("the committed API file; create it with -Dapi.update=true").exists();
        List<String> committed = Files.readAllLines(API_FILE, StandardCharsets.UTF_8);
        Set<String> removed = qualified(committed);
        removed.removeAll(qualified(current));
        Set<String> added = qualified(current);
        added.removeAll(qualified(committed));
        StringBuilder diff = new StringBuilder();
        removed.forEach(line -> diff.append("\n- ").append(line));
        added.forEach(line -> diff.append("\n+ ").append(line));
        assertThat(diff.toString())
                .as("the public API changed (- in %s but gone, + new). If intended, run "
                        + "`mvn -pl core test -Dtest=ApiSurfaceTest -Dapi.update=true` and commit the file", API_FILE)
                .isEmpty();
    }

    @Test
    void exportedSignaturesNameOnlyExportedTypes() throws Exception {
        Set<String> exported = exportedPackages();
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : apiTypes(exported)) {
            List<Type> named = new ArrayList<>();
            if (type.getGenericSuperclass() != null) {
                named.add(type.getGenericSuperclass());
            }
            named.addAll(List.of(type.getGenericInterfaces()));
            for (Field f : type.getDeclaredFields()) {
                if (isApi(f, type)) {
                    named.add(f.getGenericType());
                }
            }
            for (var c : type.getDeclaredConstructors()) {
                if (isApi(c, type)) {
                    named.addAll(List.of(c.getGenericParameterTypes()));
                    named.addAll(List.of(c.getGenericExceptionTypes()));
                }
            }
            for (Method m : type.getDeclaredMethods()) {
                if (isApi(m, type)) {
                    named.add(m.getGenericReturnType());
                    named.addAll(List.of(m.getGenericParameterTypes()));
                    named.addAll(List.of(m.getGenericExceptionTypes()));
                }
            }
            Set<Class<?>> classes = new HashSet<>();
            named.forEach(t -> collect(t, classes, new HashSet<>()));
            for (Class<?> c : classes) {
                boolean ours = c.getPackageName().startsWith("io.p2p4j");
                if (ours && (!exported.contains(c.getPackageName()) || !isApiType(c))) {
                    leaks.add(type.getTypeName() + " names " + c.getTypeName());
                }
            }
        }
        assertThat(leaks).as("exported API naming types the module does not export").isEmpty();
    }

    /** Each member line prefixed by the type it belongs to, so that a diff line names it. */
    private static Set<String> qualified(List<String> lines) {
        Set<String> out = new LinkedHashSet<>();
        String type = "";
        for (String line : lines) {
            if (line.startsWith("  ")) {
                out.add(type + " { " + line.strip() + " }");
            } else {
                type = line;
                out.add(line);
            }
        }
        return out;
    }

    /** One line per API type and member, sorted: what api/p2p4j-core.api holds. */
    static List<String> surface() throws IOException, URISyntaxException, ClassNotFoundException {
        List<String> lines = new ArrayList<>();
        for (Class<?> type : apiTypes(exportedPackages())) {
            lines.add(header(type));
            Set<String> members = new TreeSet<>();
            String prefix = " " + type.getTypeName() + ".";
            for (Field f : type.getDeclaredFields()) {
                if (isApi(f, type)) {
                    members.add(f.toGenericString().replace(prefix, " "));
                }
            }
            for (var c : type.getDeclaredConstructors()) {
                if (isApi(c, type)) {
                    members.add(c.toGenericString());
                }
            }
            for (Method m : type.getDeclaredMethods()) {
                if (isApi(m, type) && !m.isBridge()) {
                    members.add(m.toGenericString().replace(prefix, " "));
                }
            }
            members.forEach(m -> lines.add("  " + m));
        }
        return lines;
    }

    private static String header(Class<?> type) {
        StringBuilder s = new StringBuilder(Modifier.toString(type.getModifiers() & ~Modifier.INTERFACE
                & ~Modifier.ABSTRACT & ~Modifier.STATIC));
        String kind = type.isAnnotation() ? "@interface" : type.isInterface() ? "interface"
                : type.isEnum() ? "enum" : type.isRecord() ? "record" : Modifier.isAbstract(type.getModifiers())
                ? "abstract class" : "class";
        s.append(' ').append(kind).append(' ').append(type.getTypeName());
        TypeVariable<?>[] params = type.getTypeParameters();
        if (params.length > 0) {
            s.append(Stream.of(params).map(ApiSurfaceTest::withBounds).toList().toString()
                    .replace('[', '<').replace(']', '>'));
        }
        Type superclass = type.getGenericSuperclass();
        if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
            s.append(" extends ").append(superclass.getTypeName());
        }
        Type[] interfaces = type.getGenericInterfaces();
        if (interfaces.length > 0) {
            s.append(type.isInterface() ? " extends " : " implements ")
                    .append(String.join(", ", Stream.of(interfaces).map(Type::getTypeName).toList()));
        }
        return s.toString();
    }

    private static String withBounds(TypeVariable<?> v) {
        Type[] bounds = v.getBounds();
        return bounds.length == 1 && bounds[0] == Object.class ? v.getName()
                : v.getName() + " extends " + String.join(" & ", Stream.of(bounds).map(Type::getTypeName).toList());
    }

    private static void collect(Type t, Set<Class<?>> into, Set<Type> seen) {
        if (!seen.add(t)) {
            return;
        }
        if (t instanceof Class<?> c) {
            into.add(c.isArray() ? c.componentType() : c);
        } else if (t instanceof ParameterizedType p) {
            collect(p.getRawType(), into, seen);
            Stream.of(p.getActualTypeArguments()).forEach(a -> collect(a, into, seen));
        } else if (t instanceof WildcardType w) {
            Stream.of(w.getUpperBounds()).forEach(b -> collect(b, into, seen));
            Stream.of(w.getLowerBounds()).forEach(b -> collect(b, into, seen));
        } else if (t instanceof GenericArrayType a) {
            collect(a.getGenericComponentType(), into, seen);
        } else if (t instanceof TypeVariable<?> v) {
            Stream.of(v.getBounds()).forEach(b -> collect(b, into, seen));
        }
    }

    /** Public (or protected in a class users may extend) types whose enclosing types are API too. */
    private static boolean isApiType(Class<?> type) {
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
            return false;
        }
        int m = type.getModifiers();
        Class<?> outer = type.getEnclosingClass();
        if (outer == null) {
            return Modifier.isPublic(m);
        }
        boolean visible = Modifier.isPublic(m) || Modifier.isProtected(m) && !Modifier.isFinal(outer.getModifiers());
        return visible && isApiType(outer);
    }

    private static boolean isApi(Member member, Class<?> owner) {
        int m = member.getModifiers();
        boolean visible = Modifier.isPublic(m) || Modifier.isProtected(m) && !Modifier.isFinal(owner.getModifiers());
        return visible && !member.isSynthetic();
    }

    private static List<Class<?>> apiTypes(Set<String> packages)
            throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = classesDir();
        List<String> names = new ArrayList<>();
        for (String pkg : packages) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                files.map(p -> p.getFileName().toString())
                        .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
                        .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length()))
                        .forEach(names::add);
            }
        }
        names.sort(null);
        List<Class<?>> types = new ArrayList<>();
        for (String name : names) {
            Class<?> type = Class.forName(name, false, ApiSurfaceTest.class.getClassLoader());
            if (isApiType(type)) {
                types.add(type);
            }
        }
        return types;
    }

    private static Set<String> exportedPackages() throws IOException, URISyntaxException {
        ModuleDescriptor descriptor = Switch.class.getModule().getDescriptor();
        if (descriptor == null) { // the tests run on the class path: read the compiled descriptor
            try (InputStream in = Files.newInputStream(classesDir().resolve("module-info.class"))) {
                descriptor = ModuleDescriptor.read(in);
            }
        }
        Set<String> packages = new TreeSet<>();
        for (ModuleDescriptor.Exports e : descriptor.exports()) {
            if (!e.isQualified()) {
                packages.add(e.source());
            }
        }
        return packages;
    }

    private static Path classesDir() throws URISyntaxException {
        return Path.of(Switch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
