/* SPDX-License-Identifier: MIT */
/*
 * _owmi.c: the Python package's C part, over libowmi: a Connection
 * (daemon, remote or in process) and the Objects it returns, with values
 * converted as the original module returns them (integers, strings,
 * booleans, floats, DMTF datetime strings, tuples for arrays, Objects for
 * embedded objects).  Errors raise _owmi.Error(code, message).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <strings.h>

#include <openwmi/owmi.h>

#include "cim/datetime.h"
#include "client/client.h"

static PyObject *Error;

typedef struct {
        PyObject_HEAD
        owmi_connection *conn;
} Connection;

typedef struct {
        PyObject_HEAD
        owmi_object *obj;
} Object;

static PyTypeObject ConnectionType, ObjectType;

static PyObject *raise_error(int status, const struct owmi_error *err)
{
        PyObject *args = Py_BuildValue("(Is)", (unsigned) status,
                                       err && err->message[0] ? err->message
                                                              : owmi_strerror((uint32_t) status));

        if (args) {
                PyErr_SetObject(Error, args);
                Py_DECREF(args);
        }
        return NULL;
}

static PyObject *wrap(owmi_object *obj)
{
        Object *o = PyObject_New(Object, &ObjectType);

        if (!o) {
                owmi_object_free(obj);
                return NULL;
        }
        o->obj = obj;
        return (PyObject *) o;
}

/* ---- values --------------------------------------------------------------------- */

static PyObject *scalar(const struct cim_value *v, cim_type type)
{
        char text[CIM_DATETIME_LEN + 1];

        if (v->is_null)
                Py_RETURN_NONE;
        switch (type) {
        case CIM_TYPE_BOOLEAN:
                return PyBool_FromLong(v->v.boolean);
        case CIM_TYPE_UINT8: case CIM_TYPE_UINT16: case CIM_TYPE_UINT32: case CIM_TYPE_UINT64:
                return PyLong_FromUnsignedLongLong(v->v.u64);
        case CIM_TYPE_SINT8: case CIM_TYPE_SINT16: case CIM_TYPE_SINT32: case CIM_TYPE_SINT64:
                return PyLong_FromLongLong(v->v.s64);
        case CIM_TYPE_REAL32: case CIM_TYPE_REAL64:
                return PyFloat_FromDouble(v->v.real);
        case CIM_TYPE_CHAR16: {
                Py_UCS4 c = v->v.char16;

                return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, &c, 1);
        }
        case CIM_TYPE_STRING: case CIM_TYPE_REFERENCE:
                return v->v.string ? PyUnicode_FromString(v->v.string) : (Py_INCREF(Py_None), Py_None);
        case CIM_TYPE_DATETIME:
                cim_datetime_format(&v->v.datetime, text);
                return PyUnicode_FromString(text);
        case CIM_TYPE_OBJECT:
                if (!v->v.object)
                        Py_RETURN_NONE;
                return wrap((owmi_object *) cim_object_clone(v->v.object));
        default:
                Py_RETURN_NONE;
        }
}

static PyObject *value(const struct cim_value *v)
{
        PyObject *t;

        if (!v->is_array)
                return scalar(v, v->type);
        if (v->is_null)
                Py_RETURN_NONE;
        t = PyTuple_New(v->count);
        for (uint32_t i = 0; t && i < v->count; i++) {
                PyObject *item = scalar(&v->v.items[i], v->type);

                if (!item) {
                        Py_DECREF(t);
                        return NULL;
                }
                PyTuple_SET_ITEM(t, i, item);
        }
        return t;
}

/* ---- Object ------------------------------------------------------------------------ */

static void object_dealloc(Object *self)
{
        owmi_object_free(self->obj);
        Py_TYPE(self)->tp_free((PyObject *) self);
}

static PyObject *object_get(Object *self, PyObject *args)
{
        const char *name;
        const struct cim_object *o = client_object(self->obj);
        const struct cim_property *p;
        struct cim_value sys;
        PyObject *r;

        if (!PyArg_ParseTuple(args, "s", &name))
                return NULL;
        if (cim_is_system_property(name)) {
                if (cim_object_system_property(o, name, &sys) < 0)
                        Py_RETURN_NONE;
                r = value(&sys);
                cim_value_release(&sys);
                return r;
        }
        p = cim_object_find_property(o, name);
        if (!p) {
                PyErr_SetString(PyExc_KeyError, name);
                return NULL;
        }
        return value(&p->value);
}

static PyObject *object_set(Object *self, PyObject *args)
{
        const char *name, *text = NULL;
        struct owmi_error err = { 0 };
        PyObject *v;
        int status;

        if (!PyArg_ParseTuple(args, "sO", &name, &v))
                return NULL;
        if (v != Py_None) {
                PyObject *s = PyBool_Check(v) ? PyUnicode_FromString(v == Py_True ? "true" : "false")
                                              : PyObject_Str(v);

                if (!s)
                        return NULL;
                text = PyUnicode_AsUTF8(s);
                status = owmi_object_set_text(self->obj, name, text, &err);
                Py_DECREF(s);
        } else {
                status = owmi_object_set_text(self->obj, name, NULL, &err);
        }
        if (status)
                return raise_error(status, &err);
        Py_RETURN_NONE;
}

static PyObject *object_properties(Object *self, PyObject *unused)
{
        size_t n = owmi_object_property_count(self->obj);
        PyObject *list = PyList_New((Py_ssize_t) n);

        for (size_t i = 0; list && i < n; i++)
                PyList_SET_ITEM(list, (Py_ssize_t) i,
                                PyUnicode_FromString(owmi_object_property_name(self->obj, i)));
        return list;
}

static PyObject *object_keys(Object *self, PyObject *unused)
{
        const struct cim_object *o = client_object(self->obj);
        PyObject *list = PyList_New(0);

        for (size_t i = 0; list && i < o->prop_count; i++) {
                if (cim_property_is_key(&o->props[i])) {
                        PyObject *s = PyUnicode_FromString(o->props[i].name);

                        if (!s || PyList_Append(list, s) < 0) {
                                Py_XDECREF(s);
                                Py_DECREF(list);
                                return NULL;
                        }
                        Py_DECREF(s);
                }
        }
        return list;
}

static PyObject *object_mof(Object *self, PyObject *unused)
{
        char *mof = owmi_object_to_mof(self->obj);
        PyObject *r;

        if (!mof)
                return PyErr_NoMemory();
        r = PyUnicode_FromString(mof);
        free(mof);
        return r;
}

static PyObject *object_methods(Object *self, PyObject *unused)
{
        const struct cim_object *o = client_object(self->obj);
        PyObject *list = PyList_New((Py_ssize_t) o->method_count);

        for (size_t i = 0; list && i < o->method_count; i++)
                PyList_SET_ITEM(list, (Py_ssize_t) i, PyUnicode_FromString(o->methods[i].name));
        return list;
}

static PyObject *object_is_class(Object *self, PyObject *unused)
{
        return PyBool_FromLong(owmi_object_is_class(self->obj));
}

static PyObject *object_spawn(Object *self, PyObject *unused)
{
        owmi_object *inst = owmi_object_spawn_instance(self->obj);

        if (!inst)
                return PyErr_NoMemory();
        return wrap(inst);
}

/* ---- methods ----------------------------------------------------------------------- */

static int by_name_ci(const void *a, const void *b)
{
        return strcasecmp(*(const char *const *) a, *(const char *const *) b);
}

/* (in [(name, is_array)...] in declaration order, out [...] case-insensitively
 * alphabetical with ReturnValue, privileges [...], mapping strings) or None. */
static PyObject *object_signature(Object *self, PyObject *args)
{
        const struct cim_object *o = client_object(self->obj);
        const struct cim_method *m;
        const struct cim_qualifier *q;
        const char *name, *outs[256];
        size_t nouts = 0;
        PyObject *in, *out, *privs, *mapping, *r;

        if (!PyArg_ParseTuple(args, "s", &name))
                return NULL;
        m = cim_object_find_method(o, name);
        if (!m)
                Py_RETURN_NONE;
        in = PyList_New(0);
        out = PyList_New(0);
        privs = PyList_New(0);
        if (!in || !out || !privs)
                goto fail;
        if (m->return_type != CIM_TYPE_NONE)
                outs[nouts++] = "ReturnValue";
        for (size_t i = 0; i < m->param_count; i++) {
                const struct cim_property *p = &m->params[i];

                if (cim_qualifier_list_flag(&p->qualifiers, "In")) {
                        PyObject *t = Py_BuildValue("(sO)", p->name, p->is_array ? Py_True : Py_False);

                        if (!t || PyList_Append(in, t) < 0) {
                                Py_XDECREF(t);
                                goto fail;
                        }
                        Py_DECREF(t);
                }
                if (cim_qualifier_list_flag(&p->qualifiers, "Out") && nouts < 256)
                        outs[nouts++] = p->name;
        }
        qsort(outs, nouts, sizeof(outs[0]), by_name_ci);
        for (size_t i = 0; i < nouts; i++) {
                const struct cim_property *p = strcmp(outs[i], "ReturnValue") ? cim_method_find_param(m, outs[i])
                                                                            : NULL;
                PyObject *t = Py_BuildValue("(sO)", outs[i], p && p->is_array ? Py_True : Py_False);

                if (!t || PyList_Append(out, t) < 0) {
                        Py_XDECREF(t);
                        goto fail;
                }
                Py_DECREF(t);
        }
        q = cim_qualifier_list_find(&m->qualifiers, "Privileges");
        for (uint32_t i = 0; q && q->value.is_array && !q->value.is_null && i < q->value.count; i++) {
                PyObject *s = PyUnicode_FromString(q->value.v.items[i].v.string ? q->value.v.items[i].v.string : "");

                if (!s || PyList_Append(privs, s) < 0) {
                        Py_XDECREF(s);
                        goto fail;
                }
                Py_DECREF(s);
        }
        q = cim_qualifier_list_find(&m->qualifiers, "MappingStrings");
        mapping = q ? value(&q->value) : (Py_INCREF(Py_None), Py_None);
        if (!mapping)
                goto fail;
        r = Py_BuildValue("(NNNN)", in, out, privs, mapping);
        return r;
fail:
        Py_XDECREF(in);
        Py_XDECREF(out);
        Py_XDECREF(privs);
        return NULL;
}

/* One Python value as a value of type (an Object: a copy of it). */
static int py_to_value(PyObject *v, cim_type type, struct cim_value *ret, struct owmi_error *err)
{
        PyObject *s;
        int r;

        if (v == Py_None) {
                cim_value_init_null(ret, type, false);
                return 0;
        }
        if (PyObject_TypeCheck(v, &ObjectType)) {
                ret->type = CIM_TYPE_OBJECT;
                ret->is_array = false;
                ret->is_null = false;
                ret->v.object = cim_object_clone(client_object(((Object *) v)->obj));
                return ret->v.object ? 0 : -ENOMEM;
        }
        s = PyBool_Check(v) ? PyUnicode_FromString(v == Py_True ? "true" : "false") : PyObject_Str(v);
        if (!s)
                return -EINVAL;
        r = client_value_from_text(type, PyUnicode_AsUTF8(s), ret, err);
        Py_DECREF(s);
        return r;
}

static PyObject *connection_exec_method(Connection *self, PyObject *args)
{
        const char *ns, *path, *method;
        Object *cls;
        PyObject *params, *key, *val;
        Py_ssize_t pos = 0;
        const struct cim_method *m;
        struct cim_object *in = NULL;
        owmi_object *out = NULL;
        struct owmi_error err = { 0 };
        int status = 0;

        if (!PyArg_ParseTuple(args, "sssO!O!", &ns, &path, &method, &ObjectType, &cls, &PyDict_Type,
                              &params))
                return NULL;
        m = cim_object_find_method(client_object(cls->obj), method);
        if (!m) {
                PyErr_Format(PyExc_AttributeError, "no method %s", method);
                return NULL;
        }
        in = cim_object_new_class("__PARAMETERS", NULL);
        if (!in)
                return PyErr_NoMemory();
        in->genus = CIM_GENUS_INSTANCE;
        while (PyDict_Next(params, &pos, &key, &val)) {
                const char *name = PyUnicode_AsUTF8(key);
                const struct cim_property *param = name ? cim_method_find_param(m, name) : NULL;
                struct cim_property *p;

                if (!param) {
                        cim_object_free(in);
                        PyErr_Format(PyExc_AttributeError, "%s is not a valid parameter for %s",
                                     name ? name : "?", method);
                        return NULL;
                }
                p = cim_object_add_property(in, param->name);
                if (!p) {
                        cim_object_free(in);
                        return PyErr_NoMemory();
                }
                p->type = param->type;
                p->is_array = param->is_array;
                if (param->is_array && val != Py_None) {
                        PyObject *seq = PySequence_Fast(val, "an array parameter takes a sequence");

                        if (!seq) {
                                cim_object_free(in);
                                return NULL;
                        }
                        cim_value_init_array(&p->value, param->type);
                        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq) && status == 0; i++) {
                                struct cim_value item;

                                if (py_to_value(PySequence_Fast_GET_ITEM(seq, i), param->type, &item, &err) < 0 ||
                                    cim_value_array_append(&p->value, &item) < 0)
                                        status = err.code ? (int) err.code : (int) OWMI_E_TYPE_MISMATCH;
                        }
                        Py_DECREF(seq);
                } else if (py_to_value(val, param->type, &p->value, &err) < 0) {
                        status = err.code ? (int) err.code : (int) OWMI_E_TYPE_MISMATCH;
                }
                if (status) {
                        cim_object_free(in);
                        return raise_error(status, &err);
                }
        }
        Py_BEGIN_ALLOW_THREADS
        status = owmi_exec_method(self->conn, ns, path, method, (owmi_object *) in, &out, &err);
        Py_END_ALLOW_THREADS
        cim_object_free(in);
        if (status)
                return raise_error(status, &err);
        return wrap(out);
}

static PyMethodDef object_methods_table[] = {
        { "get", (PyCFunction) object_get, METH_VARARGS, "a property's value (system properties too)" },
        { "set", (PyCFunction) object_set, METH_VARARGS, "set a property from a Python value" },
        { "properties", (PyCFunction) object_properties, METH_NOARGS, "the property names" },
        { "keys", (PyCFunction) object_keys, METH_NOARGS, "the key property names" },
        { "methods", (PyCFunction) object_methods, METH_NOARGS, "the method names (classes)" },
        { "mof", (PyCFunction) object_mof, METH_NOARGS, "the MOF text" },
        { "is_class", (PyCFunction) object_is_class, METH_NOARGS, "a class, not an instance" },
        { "spawn_instance", (PyCFunction) object_spawn, METH_NOARGS, "a new instance of this class" },
        { "signature", (PyCFunction) object_signature, METH_VARARGS,
          "signature(method) -> (in, out, privileges, mapping strings) or None" },
        { NULL },
};

static PyTypeObject ObjectType = {
        PyVarObject_HEAD_INIT(NULL, 0)
        .tp_name = "_owmi.Object",
        .tp_basicsize = sizeof(Object),
        .tp_dealloc = (destructor) object_dealloc,
        .tp_flags = Py_TPFLAGS_DEFAULT,
        .tp_doc = "a CIM class or instance",
        .tp_methods = object_methods_table,
};

/* ---- Connection -------------------------------------------------------------------- */

static int connection_init(Connection *self, PyObject *args, PyObject *kwargs)
{
        static char *keywords[] = { "host", "user", "password", "socket", "repository", "privileges",
                                    "mode", "ca", NULL };
        const char *host = NULL, *user = NULL, *password = NULL, *socket = NULL, *repository = NULL;
        const char *ca = NULL;
        PyObject *privileges = NULL;
        int mode = 0, status;
        struct owmi_connect_options o = { 0 };
        struct owmi_error err = { 0 };
        const char *names[64];
        Py_ssize_t n = 0;

        if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zzzzzOiz", keywords, &host, &user, &password,
                                         &socket, &repository, &privileges, &mode, &ca))
                return -1;
        if (privileges && privileges != Py_None) {
                n = PySequence_Size(privileges);
                if (n < 0 || n > 64) {
                        PyErr_SetString(PyExc_ValueError, "privileges: a list of at most 64 names");
                        return -1;
                }
                for (Py_ssize_t i = 0; i < n; i++) {
                        PyObject *item = PySequence_GetItem(privileges, i);

                        names[i] = item ? PyUnicode_AsUTF8(item) : NULL;
                        Py_XDECREF(item);      /* the sequence keeps it */
                        if (!names[i])
                                return -1;
                }
        }
        o.host = host;
        o.user = user;
        o.password = password;
        o.socket_path = socket;
        o.repository = repository;
        o.ca_file = ca;
        o.mode = (enum owmi_mode) mode;
        o.privileges = names;
        o.privilege_count = (size_t) n;
        Py_BEGIN_ALLOW_THREADS
        status = owmi_connect(&o, &self->conn, &err);
        Py_END_ALLOW_THREADS
        if (status) {
                raise_error(status, &err);
                return -1;
        }
        return 0;
}

static void connection_dealloc(Connection *self)
{
        owmi_disconnect(self->conn);
        Py_TYPE(self)->tp_free((PyObject *) self);
}

struct collect {
        owmi_object **items;
        size_t count, alloc;
};

static int collect(owmi_object *obj, void *userdata)
{
        struct collect *c = userdata;

        if (c->count == c->alloc) {
                size_t n = c->alloc ? c->alloc * 2 : 64;
                owmi_object **p = realloc(c->items, n * sizeof(*p));

                if (!p) {
                        owmi_object_free(obj);
                        return 1;
                }
                c->items = p;
                c->alloc = n;
        }
        c->items[c->count++] = obj;
        return 0;
}

static void collect_release(struct collect *c)
{
        for (size_t i = 0; i < c->count; i++)
                owmi_object_free(c->items[i]);
        free(c->items);
}

static PyObject *as_list(struct collect *c)
{
        PyObject *list = PyList_New(0);

        for (size_t i = 0; i < c->count; i++) {
                PyObject *o = list ? wrap(c->items[i]) : NULL;

                if (!o || PyList_Append(list, o) < 0) {
                        Py_XDECREF(o);
                        for (size_t j = i + 1; j < c->count; j++)
                                owmi_object_free(c->items[j]);
                        Py_XDECREF(list);
                        list = NULL;
                        break;
                }
                Py_DECREF(o);
        }
        free(c->items);
        return list;
}

static PyObject *connection_query(Connection *self, PyObject *args)
{
        const char *ns, *wql;
        struct collect c = { 0 };
        struct owmi_error err = { 0 };
        int status;

        if (!PyArg_ParseTuple(args, "ss", &ns, &wql))
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        status = owmi_exec_query(self->conn, ns, wql, collect, &c, &err);
        Py_END_ALLOW_THREADS
        if (status) {
                collect_release(&c);
                return raise_error(status, &err);
        }
        return as_list(&c);
}

static PyObject *connection_get(Connection *self, PyObject *args)
{
        const char *ns, *path;
        struct owmi_error err = { 0 };
        owmi_object *obj = NULL;
        int status;

        if (!PyArg_ParseTuple(args, "ss", &ns, &path))
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        status = owmi_get_object(self->conn, ns, path, &obj, &err);
        Py_END_ALLOW_THREADS
        if (status)
                return raise_error(status, &err);
        return wrap(obj);
}

static PyObject *connection_classes(Connection *self, PyObject *args)
{
        const char *ns;
        struct collect c = { 0 };
        struct owmi_error err = { 0 };
        int status;

        if (!PyArg_ParseTuple(args, "s", &ns))
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        status = owmi_enum_classes(self->conn, ns, NULL, true, collect, &c, &err);
        Py_END_ALLOW_THREADS
        if (status) {
                collect_release(&c);
                return raise_error(status, &err);
        }
        return as_list(&c);
}

static PyObject *connection_put(Connection *self, PyObject *args)
{
        const char *ns;
        Object *inst;
        struct owmi_error err = { 0 };
        char *path = NULL;
        PyObject *r;
        int status;

        if (!PyArg_ParseTuple(args, "sO!", &ns, &ObjectType, &inst))
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        status = owmi_put_instance(self->conn, ns, inst->obj, OWMI_CREATE_OR_UPDATE, NULL, 0, &path, &err);
        Py_END_ALLOW_THREADS
        if (status)
                return raise_error(status, &err);
        r = PyUnicode_FromString(path ? path : "");
        free(path);
        return r;
}

static PyObject *connection_user(Connection *self, PyObject *unused)
{
        return PyUnicode_FromString(owmi_connection_user(self->conn));
}

static PyMethodDef connection_methods[] = {
        { "query", (PyCFunction) connection_query, METH_VARARGS, "query(namespace, wql) -> [Object]" },
        { "get", (PyCFunction) connection_get, METH_VARARGS, "get(namespace, path) -> Object" },
        { "classes", (PyCFunction) connection_classes, METH_VARARGS, "classes(namespace) -> [Object]" },
        { "put", (PyCFunction) connection_put, METH_VARARGS, "put(namespace, instance) -> path" },
        { "exec_method", (PyCFunction) connection_exec_method, METH_VARARGS,
          "exec_method(namespace, path, method, class, {param: value}) -> out parameters" },
        { "user", (PyCFunction) connection_user, METH_NOARGS, "who the server knows us as" },
        { NULL },
};

static PyTypeObject ConnectionType = {
        PyVarObject_HEAD_INIT(NULL, 0)
        .tp_name = "_owmi.Connection",
        .tp_basicsize = sizeof(Connection),
        .tp_dealloc = (destructor) connection_dealloc,
        .tp_flags = Py_TPFLAGS_DEFAULT,
        .tp_doc = "a connection to OpenWMI",
        .tp_new = PyType_GenericNew,
        .tp_init = (initproc) connection_init,
        .tp_methods = connection_methods,
};

static struct PyModuleDef module = {
        PyModuleDef_HEAD_INIT, "_owmi", "OpenWMI's client library for the wmi package", -1, NULL,
        NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__owmi(void);

PyMODINIT_FUNC PyInit__owmi(void)
{
        PyObject *m;

        if (PyType_Ready(&ConnectionType) < 0 || PyType_Ready(&ObjectType) < 0)
                return NULL;
        m = PyModule_Create(&module);
        if (!m)
                return NULL;
        Error = PyErr_NewException("_owmi.Error", NULL, NULL);
        Py_INCREF(&ConnectionType);
        Py_INCREF(&ObjectType);
        if (PyModule_AddObject(m, "Connection", (PyObject *) &ConnectionType) < 0 ||
            PyModule_AddObject(m, "Object", (PyObject *) &ObjectType) < 0 ||
            PyModule_AddObject(m, "Error", Error) < 0) {
                Py_DECREF(m);
                return NULL;
        }
        return m;
}
