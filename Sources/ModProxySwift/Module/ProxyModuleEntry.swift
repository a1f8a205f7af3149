import CProFTPD
import CShims

@_cdecl("mps_set_directive")
func mps_set_directive(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    return mps_handled(cmd)
}

@_cdecl("mps_cmd_any")
func mps_cmd_any(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    return nil
}

@_cdecl("mps_post_prot")
func mps_post_prot(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    return nil
}

@_cdecl("mps_module_init")
func mps_module_init() -> Int32 { 0 }

@_cdecl("mps_session_init")
func mps_session_init() -> Int32 { 0 }

@_cdecl("mpp_set_directive")
func mpp_set_directive(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    return mps_handled(cmd)
}

@_cdecl("mpp_module_init")
func mpp_module_init() -> Int32 { 0 }

@_cdecl("mpp_session_init")
func mpp_session_init() -> Int32 { 0 }
