"""How torch's messages name dtypes, keyed by nnx dtype name.

``SCALAR_NAMES`` are ATen's ScalarType names ("result type Float can't be cast ...");
``CPP_NAMES`` are the C++ type names some kernels print ("... but got float").
"""

SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}

CPP_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
    "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
    "bool": "bool",
}
