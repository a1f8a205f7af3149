import CProFTPD

// ProFTPD macros the Swift importer cannot see.

let TRUE: Int32 = 1
let FALSE: Int32 = 0

/// `ANY_MODULE`: ((module *) 0xffffffff), "whichever module owns it".
let ANY_MODULE = UnsafeMutablePointer<module>(bitPattern: 0xffff_ffff)
