"""wmi: the Python module of the WMI tutorial, on OpenWMI (Linux).

This is the first part of the package: connecting (locally through the
daemon or in process, remotely over TLS), namespaces with class attribute
access, classes called with fields and keyword filters, WQL queries,
instances with attribute access, paths, keys and MOF text, and WMI's
exceptions with their codes.  Methods, watchers, associators and the rest
of the original module's surface come next (see the project's issue on
the Python package).
"""
import re

import _owmi

__version__ = "1.5.1"
__all__ = ["WMI", "connect", "x_wmi", "x_wmi_invalid_query", "x_wmi_timed_out",
           "x_wmi_no_namespace", "x_access_denied", "x_wmi_authentication",
           "x_wmi_uninitialised_thread", "com_error"]

PROTOCOL = "winmgmts:"
wbemErrInvalidQuery = 0x80041017
wbemErrTimedout = 0x80043001


def signed_to_unsigned(signed):
    return signed & 0xFFFFFFFF


class com_error(Exception):
    """The underlying error, shaped as pywin32 delivers it to the original."""

    def __init__(self, code, message):
        code = signed_to_unsigned(code)
        self.hresult = code - (1 << 32) if code & 0x80000000 else code
        self.strerror = message
        self.excepinfo = (0, "OpenWMI", message, None, 0, self.hresult)
        self.argerror = None
        super().__init__(self.hresult, self.strerror, self.excepinfo, self.argerror)


class x_wmi(Exception):
    def __init__(self, info="", com_error=None):
        # as the original: .args stays empty
        self.info = info
        self.com_error = com_error

    def __str__(self):
        return "<x_wmi: %s %s>" % (self.info or "Unexpected COM Error",
                                  self.com_error or "(no underlying exception)")


class x_wmi_invalid_query(x_wmi):
    pass


class x_wmi_timed_out(x_wmi):
    pass


class x_wmi_no_namespace(x_wmi):
    pass


class x_access_denied(x_wmi):
    pass


class x_wmi_authentication(x_wmi):
    pass


class x_wmi_uninitialised_thread(x_wmi):
    pass


WMI_EXCEPTIONS = {
    wbemErrInvalidQuery: x_wmi_invalid_query,
    wbemErrTimedout: x_wmi_timed_out,
    0x80070005: x_access_denied,
    0x80041003: x_access_denied,
    0x80041064: x_wmi_authentication,      # credentials on a local connection
    0x800401E4: x_wmi_uninitialised_thread,
}


def _raise(error):
    """An _owmi.Error as the matching x_wmi exception."""
    code, message = error.args
    cls = WMI_EXCEPTIONS.get(signed_to_unsigned(code), x_wmi)
    raise cls(com_error=com_error(code, message)) from None


def _call(fn, *args):
    try:
        return fn(*args)
    except _owmi.Error as e:
        _raise(e)


class _wmi_method:
    """A method of a class (static) or an instance, called with positional
    parameters (declaration order) and keywords; returns the out-parameters,
    ReturnValue included, as a tuple (alphabetical order, as WMI's)."""

    def __init__(self, namespace, wmi_class, path, name):
        signature = wmi_class.ole_object.signature(name)
        if signature is None:
            raise AttributeError(name)
        in_params, out_params, privileges, mapping = signature
        self._namespace = namespace
        self._class = wmi_class
        self._path = path
        self.name = name
        self.in_parameter_names = in_params
        self.out_parameter_names = out_params
        self.privileges = privileges
        self.provenance = "\n".join(mapping or ())
        doc = "%s (%s) => (%s)" % (
            name,
            ", ".join(n + ("[]" if a else "") for n, a in in_params),
            ", ".join(n + ("[]" if a else "") for n, a in out_params))
        if privileges:
            doc += " | Needs: " + ", ".join(privileges)
        self.__doc__ = doc

    def __call__(self, *args, **kwargs):
        params = {}
        for n, value in enumerate(args):
            if n >= len(self.in_parameter_names):
                raise TypeError("%s takes at most %d parameters" % (self.name, len(self.in_parameter_names)))
            name, is_array = self.in_parameter_names[n]
            params[name] = self._unwrap(value, is_array, n)
        arrays = dict(self.in_parameter_names)
        for name, value in kwargs.items():
            if name not in arrays:
                raise AttributeError("%s is not a valid parameter for %s" % (name, self.__doc__))
            params[name] = self._unwrap(value, arrays[name], name)
        out = _call(self._namespace._connection.exec_method, self._namespace._ns, self._path,
                    self.name, self._class.ole_object, params)
        result = []
        for name, is_array in self.out_parameter_names:
            value = out.get(name) if name in out.properties() else None
            result.append(list(value or ()) if is_array else value)
        return tuple(result)

    @staticmethod
    def _unwrap(value, is_array, which):
        def raw(v):
            return v.ole_object if isinstance(v, _wmi_object) else v
        if is_array:
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise TypeError("parameter %s must be iterable" % which)
            return [raw(v) for v in value]
        return raw(value)

    def __repr__(self):
        return "<function %s>" % self.__doc__


class _wmi_object:
    """An instance (or, as the base of _wmi_class, a class)."""

    def __init__(self, ole_object, instance_of=None, fields=(), namespace=None):
        d = self.__dict__
        d["ole_object"] = ole_object
        d["_instance_of"] = instance_of
        d["_namespace"] = namespace
        names = list(fields) if fields else ole_object.properties()
        d["properties"] = dict.fromkeys(names)
        d["_properties"] = d["properties"].keys()
        d["id"] = self._path().lower()

    def _path(self):
        path = self.ole_object.get("__PATH")
        return path or self.ole_object.get("__RELPATH") or ""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        by_case = {n.lower(): n for n in self.ole_object.properties()}
        real = by_case.get(name.lower())
        if real is not None:
            return self.ole_object.get(real)
        if name.upper() == name and name.startswith("__"):
            return self.ole_object.get(name)
        method = self._method(name)
        if method is not None:
            return method
        raise AttributeError(name)

    def _method(self, name):
        """name as a method of this object's class, bound to this object."""
        if self._namespace is None:
            return None
        cls = self if isinstance(self, _wmi_class) else \
            getattr(self._namespace, self.ole_object.get("__CLASS"), None)
        if cls is None or cls.ole_object.signature(name) is None:
            return None
        path = self.ole_object.get("__RELPATH") or self.ole_object.get("__CLASS")
        return _wmi_method(self._namespace, cls, path, name)

    def __setattr__(self, name, value):
        if name not in self.properties:
            raise AttributeError(name)
        try:
            self.ole_object.set(name, value)
        except _owmi.Error as e:
            _raise(e)
        # write-through for an object that has a path, as the original
        if self._namespace is not None and self.ole_object.get("__PATH"):
            self._namespace._put(self)

    def set(self, **kwargs):
        for name, value in kwargs.items():
            if name not in self.properties:
                raise AttributeError(name)
            _call(self.ole_object.set, name, value)
        if self._namespace is not None and self.ole_object.get("__PATH"):
            self._namespace._put(self)

    def put(self):
        if self._namespace is None:
            raise x_wmi_no_namespace("no namespace to put the object in")
        self._namespace._put(self)

    def path(self):
        return self._path()

    @property
    def keys(self):
        return self.ole_object.keys()

    def __eq__(self, other):
        return isinstance(other, _wmi_object) and self.id == other.id

    def __lt__(self, other):
        return self.id < other.id

    def __hash__(self):
        return hash(self.id)

    def __str__(self):
        return self.ole_object.mof()

    def __repr__(self):
        return "<_wmi_object: %s>" % self._path()


class _wmi_class(_wmi_object):
    def __init__(self, namespace, wmi_class):
        super().__init__(wmi_class, namespace=namespace)
        self.__dict__["_class_name"] = wmi_class.get("__CLASS")

    def __call__(self, fields=(), **where):
        return self.query(fields, **where)

    def query(self, fields=(), **where):
        if self._namespace is None:
            raise x_wmi_no_namespace("you cannot query a class without a namespace")
        wql = "SELECT %s FROM %s" % (", ".join(fields) or "*", self._class_name)
        if where:
            wql += " WHERE " + " AND ".join("%s = %r" % (k, str(v)) for k, v in where.items())
        return self._namespace.query(wql, self, fields)

    def instances(self):
        return self.query()

    def new(self, **kwargs):
        obj = _wmi_object(self.ole_object.spawn_instance(), self, namespace=self._namespace)
        if kwargs:
            obj.set(**kwargs)
        return obj

    @property
    def methods(self):
        return dict.fromkeys(self.ole_object.methods())

    def __repr__(self):
        return "<_wmi_class: %s>" % self._path()


class _wmi_namespace:
    def __init__(self, connection, namespace):
        self.__dict__["_connection"] = connection
        self.__dict__["_ns"] = namespace
        self.__dict__["_classes_map"] = {}

    def _put(self, obj):
        _call(self._connection.put, self._ns, obj.ole_object)

    def query(self, wql, instance_of=None, fields=()):
        # as the original, every backslash is doubled
        wql = wql.replace("\\", "\\\\")
        return [_wmi_object(o, instance_of, fields, namespace=self)
                for o in _call(self._connection.query, self._ns, wql)]

    def get(self, moniker):
        path = moniker.split(":", 1)[1] if moniker.lower().startswith(PROTOCOL) else moniker
        return _wmi_object(_call(self._connection.get, self._ns, path), namespace=self)

    def instances(self, class_name):
        return self.query("SELECT * FROM %s" % class_name)

    def subclasses_of(self, root="", regex=r".*"):
        names = set()
        for cls in _call(self._connection.classes, self._ns):
            name = cls.get("__CLASS")
            derivation = cls.get("__DERIVATION") or ()
            if (not root or root in derivation) and re.match(regex, name):
                names.add(name)
        return names

    @property
    def classes(self):
        return sorted(self.subclasses_of())

    def new(self, wmi_class, **kwargs):
        return getattr(self, wmi_class).new(**kwargs)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name != "__NAMESPACE":
            raise AttributeError(name)
        try:
            return self._classes_map[name]
        except KeyError:
            pass
        try:
            cls = _wmi_class(self, self._connection.get(self._ns, name))
        except _owmi.Error:
            raise AttributeError(name) from None
        self._classes_map[name] = cls
        return cls

    def __repr__(self):
        return "<_wmi_namespace: %s>" % self._ns


_IMPERSONATION = ("anonymous", "identify", "impersonate", "delegate")


def connect(computer="", impersonation_level="", authentication_level="", authority="",
            privileges="", moniker="", wmi=None, namespace="", suffix="", user="", password="",
            find_classes=False, debug=False, socket=None, ca=None):
    """A namespace of this machine (the daemon when it runs, else in process)
    or another one (its daemon over TLS, with user and password)."""
    if impersonation_level and impersonation_level.lower() not in _IMPERSONATION:
        raise x_wmi_authentication("No such impersonation level: %s" % impersonation_level)
    host = None if computer in ("", ".") else computer
    if moniker:
        if not moniker.lower().startswith(PROTOCOL):
            moniker = PROTOCOL + moniker
        m = re.match(r"winmgmts:(\{[^}]*\})?!?(//([^/]*)/?)?([^:]*)(:.*)?$", moniker, re.I)
        if not m:
            raise x_wmi_uninitialised_thread(com_error=com_error(0x800401E4, "moniker syntax error"))
        if m.group(3) and m.group(3) != ".":
            host = m.group(3)
        namespace = m.group(4) or namespace
        if m.group(1):
            privileges = re.findall(r"\(([^)]*)\)", m.group(1))
            privileges = [p.strip() for p in ",".join(privileges).split(",") if p.strip()]
    namespace = (namespace or "root/cimv2").replace("\\", "/")
    if not namespace.lower().startswith("root"):
        namespace = "root/" + namespace
    if isinstance(privileges, str):
        privileges = [privileges] if privileges else []
    privileges = [p for p in privileges if not p.startswith("!")]
    try:
        conn = _owmi.Connection(host=host, user=user or None, password=password or None,
                                socket=socket, privileges=privileges, ca=ca)
    except _owmi.Error as e:
        _raise(e)
    ns = _wmi_namespace(conn, namespace)
    # the namespace must exist: the original fails at connect time too
    try:
        conn.get(namespace, "__SystemClass")
    except _owmi.Error as e:
        _raise(e)
    return ns


WMI = connect
